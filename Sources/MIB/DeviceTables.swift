import ImageInspector
import VirtModel

extension VirtAgentxMIB {
    /// diskTable's columns, each declared once: readers, notifications and tests name them here.
    public enum DiskColumns {
        public static let index = Column<Judged<Disk>>.index("virtDiskIndex", 1, .unsigned32)
        public static let target = Column<Judged<Disk>>("virtDiskTarget", 2, .displayString) { .string($0.item.target) }
        public static let bus = Column<Judged<Disk>>("virtDiskBus", 3, .displayString) { .string($0.item.bus) }
        public static let device = Column<Judged<Disk>>("virtDiskDevice", 4, Syntaxes.diskDevice) { .integer($0.item.device.rawValue) }
        public static let sourceKind = Column<Judged<Disk>>("virtDiskSourceKind", 5, Syntaxes.diskSourceKind) { .integer($0.item.sourceKind.rawValue) }
        public static let source = Column<Judged<Disk>>("virtDiskSource", 6, .displayString) { .string($0.item.source) }
        public static let driverFormat = Column<Judged<Disk>>("virtDiskDriverFormat", 7, .displayString) { .string($0.item.driverFormat) }
        public static let readOnly = Column<Judged<Disk>>("virtDiskReadOnly", 8, .truthValue) { .truthValue($0.item.readOnly) }
        public static let capacity = Column<Judged<Disk>>("virtDiskCapacity", 9, Syntaxes.gauge64) { .counter64($0.item.blockInfo.capacity) }
        public static let allocation = Column<Judged<Disk>>("virtDiskAllocation", 10, Syntaxes.gauge64) { .counter64($0.item.blockInfo.allocation) }
        public static let physical = Column<Judged<Disk>>("virtDiskPhysical", 11, Syntaxes.gauge64) { .counter64($0.item.blockInfo.physical) }
        public static let readRequests = Column<Judged<Disk>>("virtDiskReadRequests", 12, .counter64) { .counter64($0.item.stats.readRequests) }
        public static let readBytes = Column<Judged<Disk>>("virtDiskReadBytes", 13, .counter64) { .counter64($0.item.stats.readBytes) }
        public static let writeRequests = Column<Judged<Disk>>("virtDiskWriteRequests", 14, .counter64) { .counter64($0.item.stats.writeRequests) }
        public static let writeBytes = Column<Judged<Disk>>("virtDiskWriteBytes", 15, .counter64) { .counter64($0.item.stats.writeBytes) }
        public static let flushRequests = Column<Judged<Disk>>("virtDiskFlushRequests", 16, .counter64) { .counter64($0.item.stats.flushRequests) }
        public static let chainDepth = Column<Judged<Disk>>("virtDiskChainDepth", 17, .unsigned32) { .gauge32($0.verdict.depth) }
        public static let chainHealth = Column<Judged<Disk>>("virtDiskChainHealth", 18, Syntaxes.chainCondition) { .integer($0.verdict.condition.rawValue) }
        public static let chainSeverity = Column<Judged<Disk>>("virtDiskChainSeverity", 19, Syntaxes.severity) { .integer(Syntaxes.severityNumber($0.verdict.severity)) }
        public static let chainDetail = Column<Judged<Disk>>("virtDiskChainDetail", 20, .displayString) { .string($0.verdict.detail) }
        public static let chainDrift = Column<Judged<Disk>>("virtDiskChainDrift", 21, Syntaxes.drift) { .integer($0.item.drift.rawValue) }
        public static let deepCheckState = Column<Judged<Disk>>("virtDiskDeepCheckState", 22, Syntaxes.deepCheckState) { .integer($0.deepCheck.state.rawValue) }
        public static let corruptions = Column<Judged<Disk>>("virtDiskCorruptions", 23, .gauge32) { .gauge(saturating: UInt64($0.deepCheck.corruptions)) }
        public static let leakedClusters = Column<Judged<Disk>>("virtDiskLeakedClusters", 24, .gauge32) { .gauge(saturating: UInt64($0.deepCheck.leaks)) }
        public static let bitmapProblems = Column<Judged<Disk>>("virtDiskBitmapProblems", 25, .gauge32) { .gauge(saturating: UInt64($0.deepCheck.bitmapProblems)) }
        public static let lastDeepCheck = Column<Judged<Disk>>("virtDiskLastDeepCheck", 26, .dateAndTime) { Syntaxes.lastChecked($0.deepCheck.lastChecked) }
        public static let readTime = Column<Judged<Disk>>("virtDiskReadTime", 27, .counter64) { .counter64($0.item.stats.readTimeNanoseconds) }
        public static let writeTime = Column<Judged<Disk>>("virtDiskWriteTime", 28, .counter64) { .counter64($0.item.stats.writeTimeNanoseconds) }
        public static let flushTime = Column<Judged<Disk>>("virtDiskFlushTime", 29, .counter64) { .counter64($0.item.stats.flushTimeNanoseconds) }
    }

    public static let diskTable = Table<Judged<Disk>>(
        "virtDiskTable", entry: "virtDiskEntry", 3,
        rows: { snapshot in
            snapshot.disks.map { Judged($0, $0.verdict, deepCheck: $0.deepCheckSummary(snapshot.host.deepChecks)) }
        },
        index: { [$0.item.domainIndex, $0.item.index] },
        columns: [
            DiskColumns.index,
            DiskColumns.target,
            DiskColumns.bus,
            DiskColumns.device,
            DiskColumns.sourceKind,
            DiskColumns.source,
            DiskColumns.driverFormat,
            DiskColumns.readOnly,
            DiskColumns.capacity,
            DiskColumns.allocation,
            DiskColumns.physical,
            DiskColumns.readRequests,
            DiskColumns.readBytes,
            DiskColumns.writeRequests,
            DiskColumns.writeBytes,
            DiskColumns.flushRequests,
            DiskColumns.chainDepth,
            DiskColumns.chainHealth,
            DiskColumns.chainSeverity,
            DiskColumns.chainDetail,
            DiskColumns.chainDrift,
            DiskColumns.deepCheckState,
            DiskColumns.corruptions,
            DiskColumns.leakedClusters,
            DiskColumns.bitmapProblems,
            DiskColumns.lastDeepCheck,
            DiskColumns.readTime,
            DiskColumns.writeTime,
            DiskColumns.flushTime,
        ])

    /// One layer of a disk's chain: the chain's own layer array (shared with the
    /// snapshot) and a position in it, so that a row costs 32 bytes, not a copy
    /// of what the columns read (the detail text is made when a request reads it).
    public struct LayerRow: Sendable {
        public var domainIndex: UInt32
        public var diskIndex: UInt32
        private let layers: [ImageLayer]
        private let position: Int32
        /// Worked out with the row: it depends on the disk and the agent's settings.
        let deepCheckState: DeepCheckState

        init(domainIndex: UInt32, diskIndex: UInt32, layers: [ImageLayer], position: Int, deepCheckState: DeepCheckState) {
            self.domainIndex = domainIndex
            self.diskIndex = diskIndex
            self.layers = layers
            self.position = Int32(position)
            self.deepCheckState = deepCheckState
        }

        var layer: ImageLayer { layers[Int(position)] }
        var deepCheckResult: QCow2CheckResult? { layer.deepCheck?.result }
        var bitmapProblems: Int { layer.conditions.count { if case .bitmapNotSavedCleanly = $0 { true } else { false } } }
        var depth: UInt32 { UInt32(layer.index) }
        var fileSize: UInt64 { UInt64(max(0, layer.fileSize?.allocated ?? 0)) }
        var condition: ChainCondition { ChainCondition(layer.worstCondition) }
        var detail: String { layer.worstCondition.detail(layer: layer.path) }
    }

    /// chainLayerTable's columns, each declared once: readers, notifications and tests name them here.
    public enum LayerColumns {
        public static let depth = Column<LayerRow>.index("virtChainLayerDepth", 1, .unsigned32)
        public static let source = Column<LayerRow>("virtChainLayerSource", 2, .displayString) { .string($0.layer.path) }
        public static let declaredFormat = Column<LayerRow>("virtChainLayerDeclaredFormat", 3, .displayString) { .string($0.layer.declaredFormat ?? "") }
        public static let probedFormat = Column<LayerRow>("virtChainLayerProbedFormat", 4, .displayString) { .string($0.layer.probedFormat?.rawValue ?? "") }
        public static let virtualSize = Column<LayerRow>("virtChainLayerVirtualSize", 5, Syntaxes.gauge64) { .counter64($0.layer.virtualSize ?? 0) }
        public static let fileSize = Column<LayerRow>("virtChainLayerFileSize", 6, Syntaxes.gauge64) { .counter64($0.fileSize) }
        public static let condition = Column<LayerRow>("virtChainLayerCondition", 7, Syntaxes.chainCondition) { .integer($0.condition.rawValue) }
        public static let severity = Column<LayerRow>("virtChainLayerSeverity", 8, Syntaxes.severity) { .integer(Syntaxes.severityNumber($0.layer.severity)) }
        public static let detail = Column<LayerRow>("virtChainLayerDetail", 9, .displayString) { .string($0.detail) }
        public static let deepCheckState = Column<LayerRow>("virtChainLayerDeepCheckState", 10, Syntaxes.deepCheckState) { .integer($0.deepCheckState.rawValue) }
        public static let corruptions = Column<LayerRow>("virtChainLayerCorruptions", 11, .gauge32) { .gauge(saturating: UInt64($0.deepCheckResult?.corruptions ?? 0)) }
        public static let leakedClusters = Column<LayerRow>("virtChainLayerLeakedClusters", 12, .gauge32) { .gauge(saturating: UInt64($0.deepCheckResult?.leaks ?? 0)) }
        public static let bitmapProblems = Column<LayerRow>("virtChainLayerBitmapProblems", 13, .gauge32) { .gauge(saturating: UInt64($0.bitmapProblems)) }
        public static let lastDeepCheck = Column<LayerRow>("virtChainLayerLastDeepCheck", 14, .dateAndTime) { Syntaxes.lastChecked($0.layer.deepCheck?.finished) }
    }

    public static let chainLayerTable = Table<LayerRow>(
        "virtChainLayerTable", entry: "virtChainLayerEntry", 4,
        rows: { snapshot in
            snapshot.disks.flatMap { disk in
                let layers = disk.chain?.layers ?? []
                return layers.indices.map {
                    LayerRow(domainIndex: disk.domainIndex, diskIndex: disk.index, layers: layers, position: $0,
                             deepCheckState: layers[$0].deepCheckState(inUse: $0 == 0 && disk.isWrittenByRunningDomain,
                                                                       settings: snapshot.host.deepChecks))
                }
            }
        },
        index: { [$0.domainIndex, $0.diskIndex, $0.depth] },
        columns: [
            LayerColumns.depth,
            LayerColumns.source,
            LayerColumns.declaredFormat,
            LayerColumns.probedFormat,
            LayerColumns.virtualSize,
            LayerColumns.fileSize,
            LayerColumns.condition,
            LayerColumns.severity,
            LayerColumns.detail,
            LayerColumns.deepCheckState,
            LayerColumns.corruptions,
            LayerColumns.leakedClusters,
            LayerColumns.bitmapProblems,
            LayerColumns.lastDeepCheck,
        ])

    /// interfaceTable's columns, each declared once: readers, notifications and tests name them here.
    public enum InterfaceColumns {
        public static let index = Column<Interface>.index("virtInterfaceIndex", 1, .unsigned32)
        public static let mac = Column<Interface>("virtInterfaceMAC", 2, .macAddress) { .octets($0.mac) }
        public static let type = Column<Interface>("virtInterfaceType", 3, .displayString) { .string($0.type) }
        public static let source = Column<Interface>("virtInterfaceSource", 4, .displayString) { .string($0.source) }
        public static let model = Column<Interface>("virtInterfaceModel", 5, .displayString) { .string($0.model) }
        public static let device = Column<Interface>("virtInterfaceDevice", 6, .displayString) { .string($0.device) }
        public static let rxBytes = Column<Interface>("virtInterfaceRxBytes", 7, .counter64) { .counter64($0.stats.rxBytes) }
        public static let rxPackets = Column<Interface>("virtInterfaceRxPackets", 8, .counter64) { .counter64($0.stats.rxPackets) }
        public static let rxErrors = Column<Interface>("virtInterfaceRxErrors", 9, .counter64) { .counter64($0.stats.rxErrors) }
        public static let rxDrops = Column<Interface>("virtInterfaceRxDrops", 10, .counter64) { .counter64($0.stats.rxDrops) }
        public static let txBytes = Column<Interface>("virtInterfaceTxBytes", 11, .counter64) { .counter64($0.stats.txBytes) }
        public static let txPackets = Column<Interface>("virtInterfaceTxPackets", 12, .counter64) { .counter64($0.stats.txPackets) }
        public static let txErrors = Column<Interface>("virtInterfaceTxErrors", 13, .counter64) { .counter64($0.stats.txErrors) }
        public static let txDrops = Column<Interface>("virtInterfaceTxDrops", 14, .counter64) { .counter64($0.stats.txDrops) }
    }

    public static let interfaceTable = Table<Interface>(
        "virtInterfaceTable", entry: "virtInterfaceEntry", 5,
        rows: { $0.interfaces }, index: { [$0.domainIndex, $0.index] },
        columns: [
            InterfaceColumns.index,
            InterfaceColumns.mac,
            InterfaceColumns.type,
            InterfaceColumns.source,
            InterfaceColumns.model,
            InterfaceColumns.device,
            InterfaceColumns.rxBytes,
            InterfaceColumns.rxPackets,
            InterfaceColumns.rxErrors,
            InterfaceColumns.rxDrops,
            InterfaceColumns.txBytes,
            InterfaceColumns.txPackets,
            InterfaceColumns.txErrors,
            InterfaceColumns.txDrops,
        ])
}
