/// The groups of libvirt's bulk statistics an admin can switch off where they
/// are expensive or unwanted. State and CPU time are always read: the domain
/// table needs them. A group switched off is neither in the bulk call nor
/// asked for per domain or device: its figures are simply not served.
public enum StatisticGroup: String, CaseIterable, Sendable {
    /// `balloon.*`: the guest's memory figures (virtGuestMemoryTable). Without
    /// it, a domain's current and maximum memory come from its definition.
    case balloon
    /// `vcpu.*`: each vCPU's state and times (virtVcpuTable). Without it, the
    /// vCPU counts come from the definition.
    case vcpu
    /// `block.*`: disk sizes and I/O counters.
    case block
    /// `net.*`: interface counters.
    case interface
}
