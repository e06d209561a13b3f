/// One condition of one layer, with its verdict spelled out.
public struct Finding: Sendable, Hashable {
    public var layerIndex: Int
    public var layerPath: String
    public var condition: LayerCondition
    public var severity: Severity { condition.severity }
    /// Names the layer and the problem.
    public var detail: String { condition.detail(layer: layerPath) }
}

/// The health of a whole chain: the worst condition of any layer wins; among
/// equally bad ones the one nearest the top, which is where a fix starts.
public struct ChainHealth: Sendable, Hashable {
    /// Every condition of every layer, top to base (``LayerCondition/ok`` ones left out).
    public var findings: [Finding]
    /// The worst finding; nil when the chain is healthy.
    public var worst: Finding?

    public var severity: Severity { worst?.severity ?? .ok }
    public var condition: LayerCondition { worst?.condition ?? .ok }
    public var detail: String { worst?.detail ?? "backing chain healthy" }

    public init(layers: [ImageLayer]) {
        findings = layers.flatMap { layer in
            layer.conditions.filter { $0 != .ok }
                .map { Finding(layerIndex: layer.index, layerPath: layer.path, condition: $0) }
        }
        worst = findings.reduce(nil) { best, next in
            guard let best else { return next }
            return next.severity > best.severity ? next : best
        }
    }
}

/// A backing chain, top (the image asked about) to base.
public struct BackingChain: Sendable, Hashable {
    public var layers: [ImageLayer]

    public var health: ChainHealth { ChainHealth(layers: layers) }
    public var top: ImageLayer? { layers.first }
    public var base: ImageLayer? { layers.last }
}
