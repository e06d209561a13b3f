import Testing
import TestSupport
@testable import ImageInspector

/// The rule the differential run checks, for one image: qemu-io refuses `name`
/// in words containing `qemuSays`, and the inspector calls its top layer
/// critical in the same words.
func expectCriticalAsQemuRefuses(_ fixtures: Fixtures, _ name: String, qemuSays: String, _ what: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
    let refusal = try #require(try fixtures.qemuOpens(name), "qemu refuses \(what)", sourceLocation: sourceLocation)
    #expect(refusal.contains(qemuSays), "qemu's own words: \(refusal)", sourceLocation: sourceLocation)
    let layer = try #require(inspect(fixtures, name).layers.first, sourceLocation: sourceLocation)
    #expect(layer.severity == .critical, sourceLocation: sourceLocation)
    let detail = layer.conditions.map { $0.detail(layer: name) }.joined(separator: "; ")
    #expect(detail.contains(qemuSays), "the verdict names qemu's reason: \(detail)", sourceLocation: sourceLocation)
}
