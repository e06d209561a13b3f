import ImageInspector
import VirtModel

extension VirtAgentxMIB {
    public static let poolTable = Table<Judged<StoragePool>>(
        "virtPoolTable", entry: "virtPoolEntry", 6,
        rows: { $0.pools.map { Judged($0, $0.worstVerdict) } }, index: { [$0.item.index] },
        columns: [
            .index("virtPoolIndex", 1, .unsigned32),
            Column("virtPoolName", 2, .displayString) { .string($0.item.name) },
            Column("virtPoolUUID", 3, .displayString) { .string($0.item.uuid) },
            Column("virtPoolType", 4, .displayString) { .string($0.item.type) },
            Column("virtPoolState", 5, Syntaxes.poolState) { .integer($0.item.state.rawValue) },
            Column("virtPoolCapacity", 6, Syntaxes.gauge64) { .counter64($0.item.capacity) },
            Column("virtPoolAllocation", 7, Syntaxes.gauge64) { .counter64($0.item.allocation) },
            Column("virtPoolAvailable", 8, Syntaxes.gauge64) { .counter64($0.item.available) },
            Column("virtPoolAutostart", 9, .truthValue) { .truthValue($0.item.autostart) },
            Column("virtPoolPersistent", 10, .truthValue) { .truthValue($0.item.persistent) },
            Column("virtPoolVolumeCount", 11, .gauge32) { .gauge(saturating: UInt64($0.item.volumes.count)) },
            Column("virtPoolChainHealth", 12, Syntaxes.chainCondition) { .integer($0.verdict.condition.rawValue) },
            Column("virtPoolChainSeverity", 13, Syntaxes.severity) {
                .integer(Syntaxes.severityNumber($0.verdict.severity))
            },
        ])

    public static let volumeTable = Table<Judged<Volume>>(
        "virtVolumeTable", entry: "virtVolumeEntry", 7,
        rows: { $0.volumes.map { Judged($0, $0.verdict) } }, index: { [$0.item.poolIndex, $0.item.index] },
        columns: [
            .index("virtVolumeIndex", 1, .unsigned32),
            Column("virtVolumeName", 2, .displayString) { .string($0.item.name) },
            Column("virtVolumePath", 3, .displayString) { .string($0.item.path) },
            Column("virtVolumeKey", 4, .displayString) { .string($0.item.key) },
            Column("virtVolumeType", 5, Syntaxes.volumeType) { .integer($0.item.type.rawValue) },
            Column("virtVolumeFormat", 6, .displayString) { .string($0.item.format) },
            Column("virtVolumeCapacity", 7, Syntaxes.gauge64) { .counter64($0.item.capacity) },
            Column("virtVolumeAllocation", 8, Syntaxes.gauge64) { .counter64($0.item.allocation) },
            Column("virtVolumePhysical", 9, Syntaxes.gauge64) { .counter64($0.item.physical) },
            Column("virtVolumeBackingPath", 10, .displayString) { .string($0.item.backingPath) },
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
