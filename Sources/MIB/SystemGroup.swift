import FoundationEssentials
import VirtModel

/// SNMPv2-MIB's system group (RFC 3418), served only when the agent is its own
/// master: behind snmpd, snmpd serves it. Managers identify a device by it
/// (sysObjectID, sysDescr) before they look further.
public struct SystemGroup: Sendable {
    public static let root: OID = [1, 3, 6, 1, 2, 1, 1]

    public var contact: String
    public var location: String
    /// When the agent started: sysUpTime counts from here.
    public let started: Date

    public init(contact: String = "", location: String = "", started: Date = Date()) {
        self.contact = contact
        self.location = location
        self.started = started
    }

    /// One object of the group: declared once, serving the value of `group` and `snapshot`.
    private struct Object: Sendable {
        let name: String
        let subID: UInt32
        let syntax: Syntax
        let value: @Sendable (SystemGroup, Snapshot) -> SNMPValue
    }

    /// Live: counted at the request, from when the agent started.
    private static let sysUpTime = Object(name: "sysUpTime", subID: 3, syntax: .timeTicks) { _, _ in .timeTicks(0) }

    private static let declared: [Object] = [
        Object(name: "sysDescr", subID: 1, syntax: .displayString) { _, snapshot in
            let host = snapshot.host
            return .string(host.hypervisorType.isEmpty ? "virt-agentx (libvirt not connected yet)"
                : "virt-agentx: \(host.hypervisorType) \(host.hypervisorVersion) through libvirt \(host.libvirtVersion)")
        },
        Object(name: "sysObjectID", subID: 2, syntax: .objectIdentifier) { _, _ in .objectIdentifier(VirtAgentxMIB.root) },
        sysUpTime,
        Object(name: "sysContact", subID: 4, syntax: .displayString) { group, _ in .string(group.contact) },
        Object(name: "sysName", subID: 5, syntax: .displayString) { _, snapshot in
            .string(snapshot.host.hostname.isEmpty ? ProcessInfo.processInfo.hostName : snapshot.host.hostname)
        },
        Object(name: "sysLocation", subID: 6, syntax: .displayString) { group, _ in .string(group.location) },
        // Applications (64) and end-to-end (8), as RFC 3418 adds the layers a host offers.
        Object(name: "sysServices", subID: 7, syntax: .integer32) { _, _ in .integer(72) },
    ]

    static let objects: [MIBObject] = declared.map {
        MIBObject(name: $0.name, oid: root.appending($0.subID), kind: .scalar, syntax: $0.syntax, access: .readOnly)
    }

    func parts(of snapshot: Snapshot) -> (scalars: [MIBView.Cell], live: [OID: @Sendable () -> SNMPValue]) {
        let started = self.started
        let upTime = Self.root.appending(Self.sysUpTime.subID, 0)
        return (Self.declared.map { MIBView.Cell(oid: Self.root.appending($0.subID, 0), value: $0.value(self, snapshot)) },
                [upTime: { .timeTicks(VMMIB.ticks(from: started, to: Date())) }])
    }
}
