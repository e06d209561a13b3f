import MIB

// VIRT-AGENTX-MIB's objects by their typed handles, under short names for the tests.
typealias HostScalars = VirtAgentxMIB.HostScalars
typealias DomainColumns = VirtAgentxMIB.DomainColumns
typealias DiskColumns = VirtAgentxMIB.DiskColumns
typealias LayerColumns = VirtAgentxMIB.LayerColumns
typealias InterfaceColumns = VirtAgentxMIB.InterfaceColumns
typealias PoolColumns = VirtAgentxMIB.PoolColumns
typealias VolumeColumns = VirtAgentxMIB.VolumeColumns
