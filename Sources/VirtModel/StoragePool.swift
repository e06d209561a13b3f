import ImageInspector

/// libvirt's storage pool states, with libvirt's numbers (`virStoragePoolState`).
public enum PoolState: Int32, Sendable, CaseIterable {
    case inactive = 0, building, running, degraded, inaccessible

    public init(libvirt value: Int32) { self = PoolState(rawValue: value) ?? .inaccessible }
}

/// One storage pool and the chain health of its volumes.
public struct StoragePool: Sendable, Equatable {
    /// Row index: stays with the pool (by UUID).
    public var index: UInt32
    public var name: String
    public var uuid: String
    /// dir, fs, netfs, logical, iscsi, rbd ... (`<pool type>`).
    public var type: String
    public var state: PoolState
    public var capacity: UInt64
    public var allocation: UInt64
    public var available: UInt64
    public var autostart: Bool
    public var persistent: Bool
    public var volumes: [Volume]

    public init(index: UInt32, name: String, uuid: String, type: String, state: PoolState,
                capacity: UInt64, allocation: UInt64, available: UInt64, autostart: Bool,
                persistent: Bool, volumes: [Volume]) {
        self.index = index
        self.name = name
        self.uuid = uuid
        self.type = type
        self.state = state
        self.capacity = capacity
        self.allocation = allocation
        self.available = available
        self.autostart = autostart
        self.persistent = persistent
        self.volumes = volumes
    }
}

/// libvirt's volume types, with libvirt's numbers (`virStorageVolType`).
public enum VolumeType: Int32, Sendable, CaseIterable {
    case file = 0, block, dir, network, netdir, ploop

    /// From `<volume type>`; nil for a type this version does not know.
    public init?(name: String) {
        guard let type = Self.allCases.first(where: { "\($0)" == name }) else { return nil }
        self = type
    }
}

/// One storage volume and its backing chain.
public struct Volume: Sendable, Equatable {
    /// Row index: stays with the volume (by key) within its pool.
    public var index: UInt32
    public var poolIndex: UInt32
    public var name: String
    public var path: String
    public var key: String
    public var type: VolumeType
    /// `<target><format type>`: qcow2, raw ...
    public var format: String
    public var capacity: UInt64
    public var allocation: UInt64
    public var physical: UInt64
    /// `<backingStore><path>`; empty when there is none.
    public var backingPath: String
    /// nil when not inspected (network and directory volumes).
    public var chain: BackingChain?
    /// As for disks: the image did not answer in time, `chain` is stale.
    public var inspectionOverdue = false
    /// A running domain's writable disk is this volume's file.
    public var isWrittenByRunningDomain = false

    public init(index: UInt32, poolIndex: UInt32, name: String, path: String, key: String,
                type: VolumeType, format: String, capacity: UInt64, allocation: UInt64,
                physical: UInt64, backingPath: String, chain: BackingChain?) {
        self.index = index
        self.poolIndex = poolIndex
        self.name = name
        self.path = path
        self.key = key
        self.type = type
        self.format = format
        self.capacity = capacity
        self.allocation = allocation
        self.physical = physical
        self.backingPath = backingPath
        self.chain = chain
    }
}
