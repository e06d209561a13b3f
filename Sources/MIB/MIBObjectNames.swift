// VIRT-AGENTX-MIB's typed handles under short names, for the readers outside the
// module (check, show, the tests): `row[DiskColumns.chainHealth]`.
public typealias HostScalars = VirtAgentxMIB.HostScalars
public typealias DomainColumns = VirtAgentxMIB.DomainColumns
public typealias DiskColumns = VirtAgentxMIB.DiskColumns
public typealias LayerColumns = VirtAgentxMIB.LayerColumns
public typealias InterfaceColumns = VirtAgentxMIB.InterfaceColumns
public typealias PoolColumns = VirtAgentxMIB.PoolColumns
public typealias VolumeColumns = VirtAgentxMIB.VolumeColumns
