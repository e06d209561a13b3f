/// libvirt's domain states, with libvirt's numbers (`virDomainState`).
public enum DomainState: Int32, Sendable, CaseIterable {
    case nostate = 0
    case running = 1
    case blocked = 2
    case paused = 3
    case shutdown = 4
    case shutoff = 5
    case crashed = 6
    case pmsuspended = 7

    /// A state number libvirt may add later reads as `nostate` rather than failing the poll.
    public init(libvirt value: Int32) {
        self = DomainState(rawValue: value) ?? .nostate
    }

    /// The state as `virsh domstate` prints it.
    public var text: String {
        switch self {
        case .nostate: "no state"
        case .running: "running"
        case .blocked: "idle"
        case .paused: "paused"
        case .shutdown: "in shutdown"
        case .shutoff: "shut off"
        case .crashed: "crashed"
        case .pmsuspended: "pmsuspended"
        }
    }

    /// The reason code's meaning for this state, worded as `virsh domstate --reason` does
    /// (libvirt's `virDomain<State>Reason` enums); "unknown" for codes it does not name.
    public func reasonText(_ code: Int32) -> String {
        let names: [String]
        switch self {
        case .running:
            names = ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused",
                     "migration canceled", "save canceled", "event wakeup", "crashed",
                     "post-copy", "post-copy failed"]
        case .paused:
            names = ["unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog",
                     "from snapshot", "shutting down", "creating snapshot", "crashed",
                     "starting up", "post-copy", "post-copy failed"]
        case .shutdown:
            names = ["unknown", "user"]
        case .shutoff:
            names = ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed",
                     "from snapshot", "daemon"]
        case .crashed:
            names = ["unknown", "panicked"]
        case .nostate, .blocked, .pmsuspended:
            names = ["unknown"]
        }
        return names.indices.contains(Int(code)) ? names[Int(code)] : "unknown"
    }
}
