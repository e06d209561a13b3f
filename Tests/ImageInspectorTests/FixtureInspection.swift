@testable import ImageInspector
import TestSupport

/// Inspects a fixture by absolute path with no cache.
func inspect(_ fixtures: Fixtures, _ name: String, maxDepth: Int = InspectionLimits.defaultMaxDepth) -> BackingChain {
    ChainInspector(maxDepth: maxDepth).inspect(path: fixtures.path(name))
}

extension ImageLayer {
    /// The condition codes of this layer, for compact expectations.
    var codes: [String] { conditions.map(\.code) }
}
