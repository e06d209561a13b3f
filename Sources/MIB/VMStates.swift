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
    static let shutoffCrashed: Int32 = 3, shutoffSaved: Int32 = 5
}

extension Domain {
    var vmOperState: VMOperState {
        switch state {
        case .nostate: .unknown
        // A live migration runs while the guest does: "migrating(9) ... from/to another hypervisor".
        case .running: isMigrating ? .migrating : .running
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
        case .shutoff:
            switch stateReason {
            case Reason.shutoffSaved: .suspended
            case Reason.shutoffCrashed: .crashed
            default: .shutdown
            }
        case .crashed: .crashed
        // Suspended to RAM by the guest: "resident in memory but ... no longer
        // scheduled" is paused(8); suspended(6) means saved to persistent store.
        case .pmsuspended: .paused
        }
    }

    /// A migration in or out runs (the job the collector follows).
    private var isMigrating: Bool {
        guard let job, job.status == .running else { return false }
        return job.operation == .outgoingMigration || job.operation == .incomingMigration
    }

    /// What the domain is meant to be: a paused domain is meant to be paused only
    /// when a user paused it, suspended when it is paused to be saved, shut down
    /// when it is paused on its way down (I/O errors and migrations pause it on the
    /// way to running); a crashed one was meant to run.
    var vmAdminState: VMAdminState {
        switch state {
        case .running, .blocked, .crashed, .nostate: .running
        case .paused:
            switch stateReason {
            case Reason.pausedUser: .paused
            case Reason.pausedSave: .suspended
            case Reason.pausedShuttingDown: .shutdown
            default: .running
            }
        case .pmsuspended: .paused
        case .shutoff: stateReason == Reason.shutoffSaved ? .suspended : .shutdown
        case .shutdown: .shutdown
        }
    }
}
