import ImageInspector
import VirtModel

extension VirtAgentxMIB {
    /// A pool with its worst volume verdict, worked out once per snapshot.
    public struct PoolRow: Sendable {
        public var pool: StoragePool
        var worstVerdict: ChainVerdict
        init(_ pool: StoragePool) {
            self.pool = pool
            worstVerdict = pool.worstVerdict
        }
    }

    public static let poolTable = Table<PoolRow>(
        "virtPoolTable", entry: "virtPoolEntry", 6,
        rows: { $0.pools.map(PoolRow.init) }, index: { [$0.pool.index] },
        columns: [
            .index("virtPoolIndex", 1, .unsigned32),
            Column("virtPoolName", 2, .displayString) { .string($0.pool.name) },
            Column("virtPoolUUID", 3, .displayString) { .string($0.pool.uuid) },
            Column("virtPoolType", 4, .displayString) { .string($0.pool.type) },
            Column("virtPoolState", 5, Syntaxes.poolState) { .integer($0.pool.state.rawValue) },
            Column("virtPoolCapacity", 6, Syntaxes.gauge64) { .counter64($0.pool.capacity) },
            Column("virtPoolAllocation", 7, Syntaxes.gauge64) { .counter64($0.pool.allocation) },
            Column("virtPoolAvailable", 8, Syntaxes.gauge64) { .counter64($0.pool.available) },
            Column("virtPoolAutostart", 9, .truthValue) { .truthValue($0.pool.autostart) },
            Column("virtPoolPersistent", 10, .truthValue) { .truthValue($0.pool.persistent) },
            Column("virtPoolVolumeCount", 11, .gauge32) { .gauge(saturating: UInt64($0.pool.volumes.count)) },
            Column("virtPoolChainHealth", 12, Syntaxes.chainCondition) { .integer($0.worstVerdict.condition.rawValue) },
            Column("virtPoolChainSeverity", 13, Syntaxes.severity) {
                .integer(Syntaxes.severityNumber($0.worstVerdict.severity))
            },
        ])

    /// A volume with its chain verdict, worked out once per snapshot.
    public struct VolumeRow: Sendable {
        public var volume: Volume
        var verdict: ChainVerdict
        init(_ volume: Volume) {
            self.volume = volume
            verdict = volume.verdict
        }
    }

    public static let volumeTable = Table<VolumeRow>(
        "virtVolumeTable", entry: "virtVolumeEntry", 7,
        rows: { $0.volumes.map(VolumeRow.init) }, index: { [$0.volume.poolIndex, $0.volume.index] },
        columns: [
            .index("virtVolumeIndex", 1, .unsigned32),
            Column("virtVolumeName", 2, .displayString) { .string($0.volume.name) },
            Column("virtVolumePath", 3, .displayString) { .string($0.volume.path) },
            Column("virtVolumeKey", 4, .displayString) { .string($0.volume.key) },
            Column("virtVolumeType", 5, Syntaxes.volumeType) { .integer($0.volume.type.rawValue) },
            Column("virtVolumeFormat", 6, .displayString) { .string($0.volume.format) },
            Column("virtVolumeCapacity", 7, Syntaxes.gauge64) { .counter64($0.volume.capacity) },
            Column("virtVolumeAllocation", 8, Syntaxes.gauge64) { .counter64($0.volume.allocation) },
            Column("virtVolumePhysical", 9, Syntaxes.gauge64) { .counter64($0.volume.physical) },
            Column("virtVolumeBackingPath", 10, .displayString) { .string($0.volume.backingPath) },
            Column("virtVolumeChainDepth", 11, .unsigned32) { .gauge32($0.verdict.depth) },
            Column("virtVolumeChainHealth", 12, Syntaxes.chainCondition) { .integer($0.verdict.condition.rawValue) },
            Column("virtVolumeChainSeverity", 13, Syntaxes.severity) {
                .integer(Syntaxes.severityNumber($0.verdict.severity))
            },
            Column("virtVolumeChainDetail", 14, .displayString) { .string($0.verdict.detail) },
        ])
}

extension Volume {
    var verdict: ChainVerdict {
        let verdict = ChainVerdict(chain, notInspected: "\(name): \(type) volume, not inspected",
                                   severity: type == .network || type == .netdir ? .info : .ok)
        return inspectionOverdue ? verdict.overdue(path) : verdict
    }
}

extension StoragePool {
    /// The worst volume verdict; ok for a pool without volumes.
    var worstVerdict: ChainVerdict {
        volumes.map(\.verdict).reduce(ChainVerdict(depth: 0, condition: .ok, severity: .ok, detail: "")) {
            $1.severity > $0.severity ? $1 : $0
        }
    }
}
