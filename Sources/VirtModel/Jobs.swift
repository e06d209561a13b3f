import FoundationEssentials

/// A domain job (migration, save, dump, snapshot, backup ...) as libvirt's job
/// statistics give it: the one running, or the last one completed. Figures the
/// job does not have are nil (a save has no time remaining).
public struct DomainJob: Sendable, Equatable {
    /// libvirt's virDomainJobOperation.
    public enum Operation: Int32, Sendable, CaseIterable {
        case unknown = 0, start, save, restore, incomingMigration, outgoingMigration, snapshot,
             snapshotRevert, dump, backup, snapshotDelete
    }

    /// How the job stands. `interrupted`: the agent saw it run, it is gone, and
    /// libvirt kept no word of how it ended (a migration cancelled or broken off:
    /// no job-completed event, nothing under `--completed`).
    public enum Status: Int32, Sendable, CaseIterable {
        case running = 1, completed, failed, cancelled, interrupted
    }

    public var operation: Operation
    public var status: Status
    public var elapsedMilliseconds: UInt64?
    public var remainingMilliseconds: UInt64?
    /// Bytes to move in all, moved, still to move.
    public var dataTotal: UInt64?
    public var dataProcessed: UInt64?
    public var dataRemaining: UInt64?
    /// Pages the guest dirties per second while migrating, and the pass over its memory.
    public var dirtyRate: UInt64?
    public var iteration: UInt64?
    /// Downtime: expected while running, total once completed (ms).
    public var downtimeMilliseconds: UInt64?
    /// When the agent learned the job had ended (nil while it runs).
    public var ended: Date?
    /// libvirt's message for a finished job (why a migration failed, "Operation canceled").
    public var message: String?

    public init(operation: Operation, status: Status) {
        self.operation = operation
        self.status = status
    }
}

/// A block job on one disk (libvirt's virDomainBlockJobInfo).
public struct BlockJob: Sendable, Equatable {
    /// libvirt's virDomainBlockJobType.
    public enum Kind: Int32, Sendable, CaseIterable {
        case unknown = 0, pull, copy, commit, activeCommit, backup
    }

    public var kind: Kind
    /// Bytes per second the job is limited to; 0 for no limit.
    public var bandwidth: UInt64
    /// Progress: `current` of `end` (units of the job's own choosing, bytes for copy and commit).
    public var current: UInt64
    public var end: UInt64
    /// A copy or active commit that reached its end and waits to pivot (or be aborted).
    public var ready: Bool

    public init(kind: Kind, bandwidth: UInt64, current: UInt64, end: UInt64, ready: Bool) {
        self.kind = kind
        self.bandwidth = bandwidth
        self.current = current
        self.end = end
        self.ready = ready
    }
}
