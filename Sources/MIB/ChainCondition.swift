import ImageInspector

/// `VirtChainCondition`: the inspector's conditions as the MIB numbers them,
/// plus `notInspected` for disks that have no local image and `notAnswering` for
/// images whose reads did not return within the inspection deadline.
enum ChainCondition: Int32, CaseIterable {
    case ok = 1, unreadable, notRegularFile, malformedHeader, unknownIncompatibleFeatures, corrupt,
         dirty, encrypted, externalDataFile, missingBackingFile, backingFormatNotRecorded,
         backingFormatIsProtocol, backingFormatUnknown, formatMismatch, networkBacking,
         invalidBackingName, loop, tooDeep, notInspected, notAnswering

    init(_ condition: LayerCondition) {
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
        }
    }
}

/// The chain columns shared by disks and volumes, from an optional chain.
struct ChainVerdict {
    var depth: UInt32
    var condition: ChainCondition
    var severity: Severity
    var detail: String

    /// `reason` explains a missing chain: why nothing was inspected.
    init(_ chain: BackingChain?, notInspected reason: String, severity unchecked: Severity) {
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
    func overdue(_ name: String) -> ChainVerdict {
        guard depth > 0 else {
            return ChainVerdict(depth: 0, condition: .notAnswering, severity: .warning,
                                detail: "\(name): image did not answer within the inspection deadline (hung storage?)")
        }
        return ChainVerdict(depth: depth, condition: .notAnswering, severity: max(severity, .warning),
                            detail: "stale: \(name) did not answer within the inspection deadline (hung storage?); last verdict: \(detail)")
    }

    init(depth: UInt32, condition: ChainCondition, severity: Severity, detail: String) {
        self.depth = depth
        self.condition = condition
        self.severity = severity
        self.detail = detail
    }
}

extension ImageLayer {
    /// The layer's worst condition (its first, among equals).
    var worstCondition: LayerCondition {
        conditions.reduce(LayerCondition.ok) { $1.severity > $0.severity ? $1 : $0 }
    }
}

/// A disk, volume or pool with its chain verdict, worked out once per snapshot
/// for all of its row's columns.
public struct Judged<Item: Sendable>: Sendable {
    public var item: Item
    var verdict: ChainVerdict

    init(_ item: Item, _ verdict: ChainVerdict) {
        self.item = item
        self.verdict = verdict
    }
}
