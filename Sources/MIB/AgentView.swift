import VirtModel

/// Everything the agent serves from one snapshot: VIRT-AGENTX-MIB under
/// enterprises.32473 and RFC 7666's VM-MIB under mib-2.236, in one view.
public enum AgentView {
    /// The subtrees the agent registers.
    public static let roots = [VirtAgentxMIB.root, VMMIB.root]

    /// `vmNotifications`: what VM-MIB's notification switches report. `system`: the
    /// system group, served when the agent is its own master.
    public static func view(of snapshot: Snapshot, vmNotifications: VMNotificationPolicy = .init(),
                            system: SystemGroup? = nil) -> MIBView {
        let own = VirtAgentxMIB.parts(of: snapshot), standard = VMMIB.parts(of: snapshot, notifications: vmNotifications)
        let systemParts = system?.parts(of: snapshot)
        return MIBView(scalars: own.scalars + standard.scalars + (systemParts?.scalars ?? []),
                       tables: own.tables + standard.tables,
                       objects: VirtAgentxMIB.accessibleOIDs + VMMIB.objects.filter(\.isServed).map(\.oid)
                           + (system == nil ? [] : SystemGroup.objects.map(\.oid)),
                       live: own.live.merging(standard.live) { a, _ in a }.merging(systemParts?.live ?? [:]) { a, _ in a })
    }
}
