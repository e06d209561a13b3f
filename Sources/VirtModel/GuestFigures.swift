import FoundationEssentials

/// What a running guest's balloon driver reports of its memory (libvirt's
/// `balloon.*` statistics), in KiB. Each figure is nil where it was not
/// reported: a guest without the balloon driver reports none of the guest's
/// own (only the host's `rss`), and nil is served as no value, never as zero.
public struct GuestMemory: Sendable, Equatable {
    /// Memory the guest leaves unused (`balloon.unused`).
    public var unusedKiB: UInt64?
    /// Memory the guest sees (`balloon.available`).
    public var availableKiB: UInt64?
    /// Memory the guest could use without swapping (`balloon.usable`).
    public var usableKiB: UInt64?
    /// Memory the guest uses for disk caches it can drop (`balloon.disk_caches`).
    public var diskCachesKiB: UInt64?
    /// The QEMU process's resident memory on the host (`balloon.rss`).
    public var residentKiB: UInt64?
    /// Counters: memory swapped in and out (KiB), page faults.
    public var swapInKiB: UInt64?
    public var swapOutKiB: UInt64?
    public var majorFaults: UInt64?
    public var minorFaults: UInt64?
    /// When the guest last updated its figures (`balloon.last-update`).
    public var lastUpdate: Date?

    public init() {}

    /// Whether any figure was reported.
    public var isEmpty: Bool { self == GuestMemory() }
}

/// One virtual CPU as libvirt's `vcpu.N.*` statistics give it. Figures the
/// hypervisor does not report are nil.
public struct VCPU: Sendable, Equatable {
    /// libvirt's virVcpuState: offline, running, blocked.
    public enum State: Int32, Sendable, CaseIterable {
        case offline = 0, running, blocked
    }

    public var state: State?
    /// CPU time spent running guest code (`vcpu.N.time`), ns.
    public var timeNanoseconds: UInt64?
    /// Time spent waiting on I/O or to be scheduled on the host, as the host's
    /// scheduler accounts it: `vcpu.N.wait` (ns, waiting to run: steal as the
    /// guest sees it) and `vcpu.N.delay` (ns, on a run queue but not running).
    public var waitNanoseconds: UInt64?
    public var delayNanoseconds: UInt64?
    /// The vCPU is halted (idle in the guest), where the hypervisor says (`vcpu.N.halted`).
    public var halted: Bool?

    public init() {}
}

/// The names a cloud gives a domain, from OpenStack Nova's `<nova:instance>`
/// element in the domain's `<metadata>`; empty where there is none.
public struct CloudNames: Sendable, Equatable {
    /// The instance's display name (`nova:name`).
    public var name = ""
    public var project = ""
    public var projectUUID = ""
    public var user = ""
    public var userUUID = ""
    /// `nova:flavor name=`.
    public var flavor = ""

    public init() {}

    public var isEmpty: Bool { self == CloudNames() }
}
