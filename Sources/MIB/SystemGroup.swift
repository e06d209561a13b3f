import Foundation
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

    static let objects: [MIBObject] = [
        ("sysDescr", 1, Syntax.displayString), ("sysObjectID", 2, .objectIdentifier), ("sysUpTime", 3, .timeTicks),
        ("sysContact", 4, .displayString), ("sysName", 5, .displayString), ("sysLocation", 6, .displayString),
        ("sysServices", 7, .integer32),
    ].map { MIBObject(name: $0.0, oid: root.appending($0.1), kind: .scalar, syntax: $0.2, access: .readOnly) }

    func parts(of snapshot: Snapshot) -> (scalars: [MIBView.Cell], live: [OID: @Sendable () -> SNMPValue]) {
        let host = snapshot.host
        let describe = host.hypervisorType.isEmpty ? "virt-agentx (libvirt not connected yet)"
            : "virt-agentx: \(host.hypervisorType) \(host.hypervisorVersion) through libvirt \(host.libvirtVersion)"
        let started = self.started, root = Self.root
        return ([
            MIBView.Cell(oid: root.appending(1, 0), value: .string(describe)),
            MIBView.Cell(oid: root.appending(2, 0), value: .objectIdentifier(VirtAgentxMIB.root)),
            MIBView.Cell(oid: root.appending(3, 0), value: .timeTicks(0)),
            MIBView.Cell(oid: root.appending(4, 0), value: .string(contact)),
            MIBView.Cell(oid: root.appending(5, 0), value: .string(host.hostname.isEmpty ? ProcessInfo.processInfo.hostName : host.hostname)),
            MIBView.Cell(oid: root.appending(6, 0), value: .string(location)),
            // Applications (64) and end-to-end (8), as RFC 3418 adds the layers a host offers.
            MIBView.Cell(oid: root.appending(7, 0), value: .integer(72)),
        ], [root.appending(3, 0): { .timeTicks(VMMIB.ticks(from: started, to: Date())) }])
    }
}
