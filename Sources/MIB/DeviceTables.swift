import ImageInspector
import VirtModel

extension VirtAgentxMIB {
    public static let diskTable = Table<Judged<Disk>>(
        "virtDiskTable", entry: "virtDiskEntry", 3,
        rows: { $0.disks.map { Judged($0, $0.verdict) } }, index: { [$0.item.domainIndex, $0.item.index] },
        columns: [
            .index("virtDiskIndex", 1, .unsigned32),
            Column("virtDiskTarget", 2, .displayString) { .string($0.item.target) },
            Column("virtDiskBus", 3, .displayString) { .string($0.item.bus) },
            Column("virtDiskDevice", 4, Syntaxes.diskDevice) { .integer($0.item.device.rawValue) },
            Column("virtDiskSourceKind", 5, Syntaxes.diskSourceKind) { .integer($0.item.sourceKind.rawValue) },
            Column("virtDiskSource", 6, .displayString) { .string($0.item.source) },
            Column("virtDiskDriverFormat", 7, .displayString) { .string($0.item.driverFormat) },
            Column("virtDiskReadOnly", 8, .truthValue) { .truthValue($0.item.readOnly) },
            Column("virtDiskCapacity", 9, Syntaxes.gauge64) { .counter64($0.item.blockInfo.capacity) },
            Column("virtDiskAllocation", 10, Syntaxes.gauge64) { .counter64($0.item.blockInfo.allocation) },
            Column("virtDiskPhysical", 11, Syntaxes.gauge64) { .counter64($0.item.blockInfo.physical) },
            Column("virtDiskReadRequests", 12, .counter64) { .counter64($0.item.stats.readRequests) },
            Column("virtDiskReadBytes", 13, .counter64) { .counter64($0.item.stats.readBytes) },
            Column("virtDiskWriteRequests", 14, .counter64) { .counter64($0.item.stats.writeRequests) },
            Column("virtDiskWriteBytes", 15, .counter64) { .counter64($0.item.stats.writeBytes) },
            Column("virtDiskFlushRequests", 16, .counter64) { .counter64($0.item.stats.flushRequests) },
            Column("virtDiskChainDepth", 17, .unsigned32) { .gauge32($0.verdict.depth) },
            Column("virtDiskChainHealth", 18, Syntaxes.chainCondition) { .integer($0.verdict.condition.rawValue) },
            Column("virtDiskChainSeverity", 19, Syntaxes.severity) { .integer(Syntaxes.severityNumber($0.verdict.severity)) },
            Column("virtDiskChainDetail", 20, .displayString) { .string($0.verdict.detail) },
            Column("virtDiskChainDrift", 21, Syntaxes.drift) { .integer($0.item.drift.rawValue) },
        ])

    /// One row per layer of every inspected disk chain: only what its columns
    /// serve, worked out once (a whole layer is 512 bytes, copied per row).
    public struct LayerRow: Sendable {
        public var domainIndex: UInt32
        public var diskIndex: UInt32
        var depth: UInt32
        var path: String
        var declaredFormat: String
        var probedFormat: String
        var virtualSize: UInt64
        var fileSize: UInt64
        var condition: ChainCondition
        var severity: Severity
        var detail: String

        init(domainIndex: UInt32, diskIndex: UInt32, layer: ImageLayer) {
            let worst = layer.worstCondition
            self.domainIndex = domainIndex
            self.diskIndex = diskIndex
            depth = UInt32(layer.index)
            path = layer.path
            declaredFormat = layer.declaredFormat ?? ""
            probedFormat = layer.probedFormat?.rawValue ?? ""
            virtualSize = layer.virtualSize ?? 0
            fileSize = UInt64(max(0, layer.fileSize?.allocated ?? 0))
            condition = ChainCondition(worst)
            severity = layer.severity
            detail = worst.detail(layer: layer.path)
        }
    }

    public static let chainLayerTable = Table<LayerRow>(
        "virtChainLayerTable", entry: "virtChainLayerEntry", 4,
        rows: { snapshot in
            snapshot.disks.flatMap { disk in
                (disk.chain?.layers ?? []).map { LayerRow(domainIndex: disk.domainIndex, diskIndex: disk.index, layer: $0) }
            }
        },
        index: { [$0.domainIndex, $0.diskIndex, $0.depth] },
        columns: [
            .index("virtChainLayerDepth", 1, .unsigned32),
            Column("virtChainLayerSource", 2, .displayString) { .string($0.path) },
            Column("virtChainLayerDeclaredFormat", 3, .displayString) { .string($0.declaredFormat) },
            Column("virtChainLayerProbedFormat", 4, .displayString) { .string($0.probedFormat) },
            Column("virtChainLayerVirtualSize", 5, Syntaxes.gauge64) { .counter64($0.virtualSize) },
            Column("virtChainLayerFileSize", 6, Syntaxes.gauge64) { .counter64($0.fileSize) },
            Column("virtChainLayerCondition", 7, Syntaxes.chainCondition) { .integer($0.condition.rawValue) },
            Column("virtChainLayerSeverity", 8, Syntaxes.severity) { .integer(Syntaxes.severityNumber($0.severity)) },
            Column("virtChainLayerDetail", 9, .displayString) { .string($0.detail) },
        ])

    public static let interfaceTable = Table<Interface>(
        "virtInterfaceTable", entry: "virtInterfaceEntry", 5,
        rows: { $0.interfaces }, index: { [$0.domainIndex, $0.index] },
        columns: [
            .index("virtInterfaceIndex", 1, .unsigned32),
            Column("virtInterfaceMAC", 2, .macAddress) { .octets($0.mac) },
            Column("virtInterfaceType", 3, .displayString) { .string($0.type) },
            Column("virtInterfaceSource", 4, .displayString) { .string($0.source) },
            Column("virtInterfaceModel", 5, .displayString) { .string($0.model) },
            Column("virtInterfaceDevice", 6, .displayString) { .string($0.device) },
            Column("virtInterfaceRxBytes", 7, .counter64) { .counter64($0.stats.rxBytes) },
            Column("virtInterfaceRxPackets", 8, .counter64) { .counter64($0.stats.rxPackets) },
            Column("virtInterfaceRxErrors", 9, .counter64) { .counter64($0.stats.rxErrors) },
            Column("virtInterfaceRxDrops", 10, .counter64) { .counter64($0.stats.rxDrops) },
            Column("virtInterfaceTxBytes", 11, .counter64) { .counter64($0.stats.txBytes) },
            Column("virtInterfaceTxPackets", 12, .counter64) { .counter64($0.stats.txPackets) },
            Column("virtInterfaceTxErrors", 13, .counter64) { .counter64($0.stats.txErrors) },
            Column("virtInterfaceTxDrops", 14, .counter64) { .counter64($0.stats.txDrops) },
        ])
}

extension Disk {
    /// The chain columns: the inspector's verdict, or why there was nothing to inspect.
    var verdict: ChainVerdict {
        inspectionOverdue ? inspectedVerdict.overdue(source) : inspectedVerdict
    }

    private var inspectedVerdict: ChainVerdict {
        switch (chain, sourceKind) {
        case (nil, .network):
            ChainVerdict(nil, notInspected: "\(target): network disk \(source), not inspected", severity: .info)
        case (nil, .none):
            ChainVerdict(nil, notInspected: "\(target): no image (empty drive)", severity: .ok)
        case (nil, .volume):
            ChainVerdict(nil, notInspected: "\(target): volume \(source) not found in an active pool", severity: .warning)
        default:
            ChainVerdict(chain, notInspected: "\(target): \(source) not inspected", severity: .ok)
        }
    }
}
