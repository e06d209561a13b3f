import ImageInspector

/// What a disk's or volume's chain comes to: the inspector's conditions, numbered as
/// VIRT-AGENTX-MIB's `VirtChainCondition` numbers them,
/// plus `notInspected` for disks that have no local image and `notAnswering` for
/// images whose reads did not return within the inspection deadline.
public enum ChainCondition: Int32, Sendable, CaseIterable {
    case ok = 1, unreadable, notRegularFile, malformedHeader, unknownIncompatibleFeatures, corrupt,
         dirty, encrypted, externalDataFile, missingBackingFile, backingFormatNotRecorded,
         backingFormatIsProtocol, backingFormatUnknown, formatMismatch, networkBacking,
         invalidBackingName, loop, tooDeep, notInspected, notAnswering,
         metadataCorruptions, leakedClusters, deepCheckFailed, bitmapNotSavedCleanly, resolvedAgainstWorkingDirectory,
         partlyInspected

    public init(_ condition: LayerCondition) {
        self = switch condition {
        case .ok: .ok
        case .unreadable: .unreadable
        case .notRegularFile: .notRegularFile
        case .malformedHeader: .malformedHeader
        case .unknownIncompatibleFeatures: .unknownIncompatibleFeatures
        case .corrupt: .corrupt
        case .dirty: .dirty
        case .encrypted: .encrypted
        case .externalDataFile: .externalDataFile
        case .missingBackingFile: .missingBackingFile
        case .backingFormatNotRecorded: .backingFormatNotRecorded
        case .backingFormatIsProtocol: .backingFormatIsProtocol
        case .backingFormatUnknown: .backingFormatUnknown
        case .formatMismatch: .formatMismatch
        case .networkBacking: .networkBacking
        case .invalidBackingName: .invalidBackingName
        case .loop: .loop
        case .tooDeep: .tooDeep
        case .metadataCorruptions: .metadataCorruptions
        case .leakedClusters: .leakedClusters
        case .deepCheckFailed: .deepCheckFailed
        case .bitmapNotSavedCleanly: .bitmapNotSavedCleanly
        case .resolvedAgainstWorkingDirectory: .resolvedAgainstWorkingDirectory
        case .partlyInspected: .partlyInspected
        }
    }
}

/// The chain columns shared by disks and volumes, from an optional chain.
public struct ChainVerdict: Sendable, Equatable {
    public var depth: UInt32
    public var condition: ChainCondition
    public var severity: Severity
    public var detail: String

    /// `reason` explains a missing chain: why nothing was inspected.
    public init(_ chain: BackingChain?, notInspected reason: String, severity unchecked: Severity) {
        guard let chain else {
            self.init(depth: 0, condition: .notInspected, severity: unchecked, detail: reason)
            return
        }
        let health = chain.health
        self.init(depth: UInt32(chain.layers.count), condition: ChainCondition(health.condition),
                  severity: health.severity, detail: health.detail)
    }

    /// An image that did not answer in time: notAnswering, with its last depth and
    /// its last severity but at least a warning, the last verdict in the detail.
    public func overdue(_ name: String) -> ChainVerdict {
        guard depth > 0 else {
            return ChainVerdict(depth: 0, condition: .notAnswering, severity: .warning,
                                detail: "\(name): image did not answer within the inspection deadline (hung storage?)")
        }
        return ChainVerdict(depth: depth, condition: .notAnswering, severity: max(severity, .warning),
                            detail: "stale: \(name) did not answer within the inspection deadline (hung storage?); last verdict: \(detail)")
    }

    public init(depth: UInt32, condition: ChainCondition, severity: Severity, detail: String) {
        self.depth = depth
        self.condition = condition
        self.severity = severity
        self.detail = detail
    }
}

extension ImageLayer {
    /// The layer's worst condition (its first, among equals).
    public var worstCondition: LayerCondition {
        conditions.reduce(LayerCondition.ok) { $1.severity > $0.severity ? $1 : $0 }
    }
}

extension Disk {
    /// The chain columns: the inspector's verdict, or why there was nothing to inspect.
    public var verdict: ChainVerdict {
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

extension Volume {
    public var verdict: ChainVerdict {
        let verdict = ChainVerdict(chain, notInspected: "\(name): \(type) volume, not inspected",
                                   severity: type == .network || type == .netdir ? .info : .ok)
        return inspectionOverdue ? verdict.overdue(path) : verdict
    }
}

extension StoragePool {
    /// The worst volume verdict; ok for a pool without volumes.
    public var worstVerdict: ChainVerdict {
        volumes.map(\.verdict).reduce(ChainVerdict(depth: 0, condition: .ok, severity: .ok, detail: "")) {
            $1.severity > $0.severity ? $1 : $0
        }
    }
}

extension StoragePool {
    /// Allocation as a percentage of capacity (0 for an unsized pool): what `check`,
    /// `show` and the nearly-full notification all report.
    public static func usagePercent(allocation: UInt64, capacity: UInt64) -> Double {
        capacity == 0 ? 0 : Double(allocation) / Double(capacity) * 100
    }

    public var usagePercent: Double { Self.usagePercent(allocation: allocation, capacity: capacity) }
}
