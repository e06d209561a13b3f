import ImageInspector
import VirtModel

extension VirtAgentxMIB {
    /// poolTable's columns, each declared once: readers, notifications and tests name them here.
    public enum PoolColumns {
        public static let index = Column<Judged<StoragePool>>.index("virtPoolIndex", 1, .unsigned32)
        public static let name = Column<Judged<StoragePool>>("virtPoolName", 2, .displayString) { .string($0.item.name) }
        public static let uuid = Column<Judged<StoragePool>>("virtPoolUUID", 3, .displayString) { .string($0.item.uuid) }
        public static let type = Column<Judged<StoragePool>>("virtPoolType", 4, .displayString) { .string($0.item.type) }
        public static let state = Column<Judged<StoragePool>>("virtPoolState", 5, Syntaxes.poolState) { .integer($0.item.state.rawValue) }
        public static let capacity = Column<Judged<StoragePool>>("virtPoolCapacity", 6, Syntaxes.gauge64) { .counter64($0.item.capacity) }
        public static let allocation = Column<Judged<StoragePool>>("virtPoolAllocation", 7, Syntaxes.gauge64) { .counter64($0.item.allocation) }
        public static let available = Column<Judged<StoragePool>>("virtPoolAvailable", 8, Syntaxes.gauge64) { .counter64($0.item.available) }
        public static let autostart = Column<Judged<StoragePool>>("virtPoolAutostart", 9, .truthValue) { .truthValue($0.item.autostart) }
        public static let persistent = Column<Judged<StoragePool>>("virtPoolPersistent", 10, .truthValue) { .truthValue($0.item.persistent) }
        public static let volumeCount = Column<Judged<StoragePool>>("virtPoolVolumeCount", 11, .gauge32) { .gauge(saturating: UInt64($0.item.volumes.count)) }
        public static let chainHealth = Column<Judged<StoragePool>>("virtPoolChainHealth", 12, Syntaxes.chainCondition) { .integer($0.verdict.condition.rawValue) }
        public static let chainSeverity = Column<Judged<StoragePool>>("virtPoolChainSeverity", 13, Syntaxes.severity) {
            .integer(Syntaxes.severityNumber($0.verdict.severity))
        }
    }

    public static let poolTable = Table<Judged<StoragePool>>(
        "virtPoolTable", entry: "virtPoolEntry", 6,
        rows: { $0.pools.map { Judged($0, $0.worstVerdict) } }, index: { [$0.item.index] },
        columns: [
            PoolColumns.index,
            PoolColumns.name,
            PoolColumns.uuid,
            PoolColumns.type,
            PoolColumns.state,
            PoolColumns.capacity,
            PoolColumns.allocation,
            PoolColumns.available,
            PoolColumns.autostart,
            PoolColumns.persistent,
            PoolColumns.volumeCount,
            PoolColumns.chainHealth,
            PoolColumns.chainSeverity,
        ])

    /// volumeTable's columns, each declared once: readers, notifications and tests name them here.
    public enum VolumeColumns {
        public static let index = Column<Judged<Volume>>.index("virtVolumeIndex", 1, .unsigned32)
        public static let name = Column<Judged<Volume>>("virtVolumeName", 2, .displayString) { .string($0.item.name) }
        public static let path = Column<Judged<Volume>>("virtVolumePath", 3, .displayString) { .string($0.item.path) }
        public static let key = Column<Judged<Volume>>("virtVolumeKey", 4, .displayString) { .string($0.item.key) }
        public static let type = Column<Judged<Volume>>("virtVolumeType", 5, Syntaxes.volumeType) { .integer($0.item.type.rawValue) }
        public static let format = Column<Judged<Volume>>("virtVolumeFormat", 6, .displayString) { .string($0.item.format) }
        public static let capacity = Column<Judged<Volume>>("virtVolumeCapacity", 7, Syntaxes.gauge64) { .counter64($0.item.capacity) }
        public static let allocation = Column<Judged<Volume>>("virtVolumeAllocation", 8, Syntaxes.gauge64) { .counter64($0.item.allocation) }
        public static let physical = Column<Judged<Volume>>("virtVolumePhysical", 9, Syntaxes.gauge64) { .counter64($0.item.physical) }
        public static let backingPath = Column<Judged<Volume>>("virtVolumeBackingPath", 10, .displayString) { .string($0.item.backingPath) }
        public static let chainDepth = Column<Judged<Volume>>("virtVolumeChainDepth", 11, .unsigned32) { .gauge32($0.verdict.depth) }
        public static let chainHealth = Column<Judged<Volume>>("virtVolumeChainHealth", 12, Syntaxes.chainCondition) { .integer($0.verdict.condition.rawValue) }
        public static let chainSeverity = Column<Judged<Volume>>("virtVolumeChainSeverity", 13, Syntaxes.severity) {
            .integer(Syntaxes.severityNumber($0.verdict.severity))
        }
        public static let chainDetail = Column<Judged<Volume>>("virtVolumeChainDetail", 14, .displayString) { .string($0.verdict.detail) }
        public static let deepCheckState = Column<Judged<Volume>>("virtVolumeDeepCheckState", 15, Syntaxes.deepCheckState) { .integer($0.deepCheck.state.rawValue) }
        public static let corruptions = Column<Judged<Volume>>("virtVolumeCorruptions", 16, .gauge32) { .gauge(saturating: UInt64($0.deepCheck.corruptions)) }
        public static let leakedClusters = Column<Judged<Volume>>("virtVolumeLeakedClusters", 17, .gauge32) { .gauge(saturating: UInt64($0.deepCheck.leaks)) }
        public static let bitmapProblems = Column<Judged<Volume>>("virtVolumeBitmapProblems", 18, .gauge32) { .gauge(saturating: UInt64($0.deepCheck.bitmapProblems)) }
        public static let lastDeepCheck = Column<Judged<Volume>>("virtVolumeLastDeepCheck", 19, .dateAndTime) { Syntaxes.lastChecked($0.deepCheck.lastChecked) }
    }

    public static let volumeTable = Table<Judged<Volume>>(
        "virtVolumeTable", entry: "virtVolumeEntry", 7,
        rows: { snapshot in
            snapshot.volumes.map { Judged($0, $0.verdict, deepCheck: $0.deepCheckSummary(snapshot.host.deepChecks)) }
        },
        index: { [$0.item.poolIndex, $0.item.index] },
        columns: [
            VolumeColumns.index,
            VolumeColumns.name,
            VolumeColumns.path,
            VolumeColumns.key,
            VolumeColumns.type,
            VolumeColumns.format,
            VolumeColumns.capacity,
            VolumeColumns.allocation,
            VolumeColumns.physical,
            VolumeColumns.backingPath,
            VolumeColumns.chainDepth,
            VolumeColumns.chainHealth,
            VolumeColumns.chainSeverity,
            VolumeColumns.chainDetail,
            VolumeColumns.deepCheckState,
            VolumeColumns.corruptions,
            VolumeColumns.leakedClusters,
            VolumeColumns.bitmapProblems,
            VolumeColumns.lastDeepCheck,
        ])
}
