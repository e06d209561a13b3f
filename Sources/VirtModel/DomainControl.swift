import FoundationEssentials

/// An action an SNMP manager asks of a domain (VIRT-AGENTX-MIB's
/// virtControlAction). The first four are RFC 7666's administrative states
/// (vmAdminState), which the RFC itself serves read-only; the rest are what it
/// lacks.
public enum DomainAction: Int32, Sendable, CaseIterable {
    case none = 0
    /// Start a shut-off domain (restoring a managed save), or resume a paused one.
    case running
    /// Save the domain's memory to disk and stop it (managed save): RFC 7666's suspended.
    case suspended
    /// Stop scheduling its vCPUs; it stays in memory.
    case paused
    /// Ask the guest to shut down (ACPI): the guest may ignore it.
    case shutdown
    /// Power off at once (virsh destroy).
    case off
    /// Ask the guest to reboot.
    case reboot
    /// Reset the virtual hardware at once, as a reset button does.
    case reset
}

/// What became of the last action asked of one domain through the agent.
public struct ControlRecord: Sendable, Equatable {
    public enum Status: Int32, Sendable, CaseIterable {
        case none = 0, inProgress, succeeded, failed, timedOut
    }

    public var action: DomainAction
    public var status: Status
    /// libvirt's message when it failed, else empty.
    public var message: String
    public var requested: Date
    /// The SNMPv3 user that asked, where the agent can see it (standalone); empty through a master agent.
    public var requester: String

    public init(action: DomainAction, status: Status, message: String = "", requested: Date, requester: String) {
        self.action = action
        self.status = status
        self.message = message
        self.requested = requested
        self.requester = requester
    }
}
