import ImageInspector
import FoundationEssentials

/// The hypervisor host and the agent's view of its libvirt connection.
public struct Host: Sendable, Equatable {
    /// libvirt driver name, e.g. `QEMU` or `TEST` (`virConnectGetType`).
    public var hypervisorType: String = ""
    /// Hypervisor version as `major.minor.release` (`virConnectGetVersion`).
    public var hypervisorVersion: String = ""
    /// Version of the libvirt library the agent runs with (`virConnectGetLibVersion`).
    public var libvirtVersion: String = ""
    public var hostname: String = ""
    /// The URI of the connection as libvirt canonicalises it (or as configured, before connecting).
    public var uri: String
    public var connection: ConnectionStatus = .connecting
    /// Logical CPUs and memory of the host (`virNodeGetInfo`).
    public var cpus: UInt32 = 0
    public var memoryKiB: UInt64 = 0
    /// Wall-clock end of the last poll that succeeded; nil until one has.
    public var lastPoll: Date?
    /// How long the last successful poll took, in milliseconds.
    public var lastPollMilliseconds: UInt32 = 0
    /// Disks and volumes whose chain verdict is warning or worse.
    public var unhealthyChains: UInt32 = 0
    /// When the host booted: the hypervisor (the kernel's KVM) runs since then.
    public var bootTime: Date?
    /// When a domain last appeared or disappeared (nil: none since the agent started).
    public var domainsChangedAt: Date?
    /// libvirt calls given up on after the poll deadline and still running (each
    /// holds a thread and a connection until libvirt returns), and how many ever were.
    public var abandonedCalls: UInt32 = 0
    public var abandonedCallsTotal: UInt32 = 0
    /// The deep-check schedule's settings; nil where none runs (one-shot commands).
    public var deepChecks: DeepCheckSchedule.Settings?
    /// Whether SNMP managers may act on domains (`allowControl`).
    public var controlEnabled = false

    public init(uri: String) {
        self.uri = uri
    }
}

/// State of the agent's connection to libvirt.
public enum ConnectionStatus: Int32, Sendable, CaseIterable {
    /// Open, and the last poll succeeded.
    case connected = 1
    /// Was open, or never could be opened; the data served is the last good poll (if any).
    case disconnected = 2
    /// No attempt has finished yet (agent just started).
    case connecting = 3
    /// Polls have overrun their deadline (libvirtd itself is not answering): the
    /// data served is the last good poll's.
    case unresponsive = 4
    /// libvirt answers, but some domains do not (a wedged or stopped QEMU monitor):
    /// their rows keep their last values, marked unresponsive; every other row is fresh.
    case degraded = 5

    /// libvirt answered the last poll: rows are current (all, or all but the marked ones).
    public var isAnswering: Bool { self == .connected || self == .degraded }

    public var name: String {
        switch self {
        case .connected: "connected"
        case .disconnected: "disconnected"
        case .connecting: "connecting"
        case .unresponsive: "unresponsive"
        case .degraded: "degraded"
        }
    }
}
