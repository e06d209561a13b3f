import VirtModel

/// RFC 7666's view of a libvirt domain state: the administrative state (what the
/// domain is meant to be) and the operational state (what it is), derived from
/// libvirt's state and reason, which carry both.
enum VMAdminState: Int32 {
    case running = 1, suspended, paused, shutdown
}

enum VMOperState: Int32 {
    case unknown = 1, other, preparing, running, suspending, suspended, resuming, paused,
         migrating, shuttingdown, shutdown, crashed
}

/// libvirt reason codes this mapping tells apart (libvirt-domain.h).
private enum Reason {
    static let pausedUser: Int32 = 1, pausedMigration: Int32 = 2, pausedSave: Int32 = 3
    static let pausedShuttingDown: Int32 = 8, pausedCrashed: Int32 = 10, pausedStartingUp: Int32 = 11
    static let pausedPostcopy: Int32 = 12
    static let shutoffSaved: Int32 = 5
}

extension Domain {
    var vmOperState: VMOperState {
        switch state {
        case .nostate: .unknown
        case .running: .running
        // Xen's "blocked" (idle, waiting on a resource) is no RFC 7666 state.
        case .blocked: .other
        case .paused:
            switch stateReason {
            case Reason.pausedMigration, Reason.pausedPostcopy: .migrating
            case Reason.pausedSave: .suspending
            case Reason.pausedShuttingDown: .shuttingdown
            case Reason.pausedCrashed: .crashed
            case Reason.pausedStartingUp: .preparing
            default: .paused
            }
        case .shutdown: .shuttingdown
        // A managed save keeps the domain's memory on disk: suspended, as RFC 7666 means it.
        case .shutoff: stateReason == Reason.shutoffSaved ? .suspended : .shutdown
        case .crashed: .crashed
        case .pmsuspended: .suspended
        }
    }

    /// What the domain is meant to be: a paused domain is meant to be paused only
    /// when a user paused it (I/O errors, migrations, saves pause it on the way
    /// to running); a crashed one was meant to run.
    var vmAdminState: VMAdminState {
        switch state {
        case .running, .blocked, .crashed, .nostate: .running
        case .paused: stateReason == Reason.pausedUser ? .paused : .running
        case .pmsuspended: .suspended
        case .shutoff: stateReason == Reason.shutoffSaved ? .suspended : .shutdown
        case .shutdown: .shutdown
        }
    }
}
