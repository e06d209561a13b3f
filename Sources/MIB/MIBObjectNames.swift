// VIRT-AGENTX-MIB's typed handles under short names, for the readers outside the
// module (check, show, the tests): `row[DiskColumns.chainHealth]`.
public typealias HostScalars = VirtAgentxMIB.HostScalars
public typealias DomainColumns = VirtAgentxMIB.DomainColumns
public typealias DiskColumns = VirtAgentxMIB.DiskColumns
public typealias LayerColumns = VirtAgentxMIB.LayerColumns
public typealias InterfaceColumns = VirtAgentxMIB.InterfaceColumns
public typealias PoolColumns = VirtAgentxMIB.PoolColumns
public typealias VolumeColumns = VirtAgentxMIB.VolumeColumns
public typealias LayerSnapshotColumns = VirtAgentxMIB.LayerSnapshotColumns
public typealias LayerBitmapColumns = VirtAgentxMIB.LayerBitmapColumns
public typealias GuestMemoryColumns = VirtAgentxMIB.GuestMemoryColumns
public typealias VCPUColumns = VirtAgentxMIB.VCPUColumns
public typealias JobColumns = VirtAgentxMIB.JobColumns
public typealias BlockJobColumns = VirtAgentxMIB.BlockJobColumns
