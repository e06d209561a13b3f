import FoundationEssentials

/// One libvirt domain, active or only defined.
public struct Domain: Sendable, Equatable {
    /// Row index: stable for this domain (by UUID) for as long as the agent runs.
    public var index: UInt32
    public var name: String
    /// Lower-case canonical text form, e.g. `6695eb01-f6a4-8304-79aa-97f2502e193f`.
    public var uuid: String
    public var state: DomainState
    /// libvirt's reason code for `state` (its meaning depends on the state).
    public var stateReason: Int32
    /// libvirt's runtime id; -1 while the domain is not running.
    public var id: Int32
    public var vcpus: UInt32
    public var maxVcpus: UInt32
    public var memoryKiB: UInt64
    public var maxMemoryKiB: UInt64
    /// Total CPU time consumed, nanoseconds.
    public var cpuTimeNanoseconds: UInt64
    /// CPU used between the agent's last two polls that read the domain, in hundredths of
    /// a percent of one host CPU (10000: one CPU busy); 0 until two polls have.
    public var cpuUsageHundredthsPercent: UInt32 = 0
    public var autostart: Bool
    public var persistent: Bool
    /// Guest OS type from the domain XML, e.g. `hvm`, `linux`, `exe`.
    public var osType: String
    /// The short description an admin or a cloud gave the domain (`<title>`; `virsh desc --title`), empty when none.
    public var title: String = ""
    /// The longer description (`<description>`; `virsh desc`), empty when none.
    public var descriptionText: String = ""
    /// The names a cloud (OpenStack Nova) gave the domain in its `<metadata>`.
    public var cloud = CloudNames()
    /// The guest's memory as its balloon driver reports it (running domains).
    public var guestMemory = GuestMemory()
    /// Each vCPU's state and times (running domains), vCPU 0 first.
    public var vcpuDetails: [VCPU] = []
    /// The job running now, else the last one the agent saw complete; nil when neither.
    public var job: DomainJob?
    /// When the agent first saw the domain active (running, paused …) since it last
    /// was shut off: libvirt reports no start time. Nil while shut off.
    public var activeSince: Date?
    /// CPU time of each vCPU in nanoseconds, vCPU 0 first; empty when libvirt gave none.
    public var vcpuTimesNanoseconds: [UInt64] = []
    /// For each vCPU (up to the maximum), whether it may run on each host CPU.
    public var vcpuAffinity: [[Bool]] = []
    /// Whether this poll had the domain's statistics, and since when they are the ones served.
    public var dataStatus: DataStatus = .fresh
    /// When the statistics served were read (nil before a poll has); older than the
    /// poll's own time while the domain is stale or unresponsive.
    public var dataTime: Date?

    public init(index: UInt32, name: String, uuid: String, state: DomainState, stateReason: Int32,
                id: Int32, vcpus: UInt32, maxVcpus: UInt32, memoryKiB: UInt64, maxMemoryKiB: UInt64,
                cpuTimeNanoseconds: UInt64, autostart: Bool, persistent: Bool, osType: String) {
        self.index = index
        self.name = name
        self.uuid = uuid
        self.state = state
        self.stateReason = stateReason
        self.id = id
        self.vcpus = vcpus
        self.maxVcpus = maxVcpus
        self.memoryKiB = memoryKiB
        self.maxMemoryKiB = maxMemoryKiB
        self.cpuTimeNanoseconds = cpuTimeNanoseconds
        self.autostart = autostart
        self.persistent = persistent
        self.osType = osType
    }

    /// The reason as `virsh domstate --reason` words it.
    public var stateReasonText: String { state.reasonText(stateReason) }
}

/// How current one domain's statistics are.
public enum DataStatus: Int32, Sendable, CaseIterable {
    /// Read by the last poll.
    case fresh = 1
    /// libvirt skipped the domain's statistics this poll (another job held it): the
    /// last values are served.
    case stale = 2
    /// The domain's QEMU monitor has not answered for longer than the poll deadline
    /// (a stopped or wedged QEMU): the last values are served until it answers.
    case unresponsive = 3

    public var name: String { "\(self)" }
}
