import Foundation
import Testing
@testable import ImageInspector

@Suite("Severity and verdicts")
struct SeverityTests {
    @Test func ordering() {
        #expect(Severity.ok < .info)
        #expect(Severity.info < .warning)
        #expect(Severity.warning < .critical)
        #expect([Severity.warning, .critical, .ok].max() == .critical)
    }

    @Test func encodesByName() throws {
        let data = try JSONEncoder().encode([Severity.warning])
        #expect(String(decoding: data, as: UTF8.self) == #"["warning"]"#)
        #expect(try JSONDecoder().decode([Severity].self, from: data) == [.warning])
    }

    @Test(arguments: [
        (LayerCondition.ok, Severity.ok),
        (.unreadable(reason: "Permission denied"), .critical),
        (.notRegularFile(.fifo), .critical),
        (.malformedHeader(.unsupportedVersion(9)), .critical),
        (.unknownIncompatibleFeatures([FeatureBit(bit: 9, name: nil)]), .critical),
        (.corrupt, .critical),
        (.dirty, .warning),
        (.encrypted(method: "luks"), .info),
        (.externalDataFile(path: "/d", exists: true), .info),
        (.externalDataFile(path: "/d", exists: false), .critical),
        (.externalDataFile(path: nil, exists: false), .warning),
        (.missingBackingFile(name: "b"), .critical),
        (.backingFormatNotRecorded(probed: .qcow2, probingRefused: false), .warning),
        (.backingFormatNotRecorded(probed: .qcow2, probingRefused: true), .critical),
        (.backingFormatIsProtocol("file"), .warning),
        (.backingFormatUnknown("qcowz", knownToQemu: false), .warning),   // libvirt probes instead
        (.backingFormatUnknown("vhdx", knownToQemu: true), .warning),
        (.formatMismatch(recorded: "raw", probed: .qcow2), .warning),
        (.formatMismatch(recorded: "file", probed: .qcow2), .warning),
        (.formatMismatch(recorded: "qcow2", probed: .raw), .critical),
        (.networkBacking(protocol: "nbd", description: "nbd://h"), .info),
        (.invalidBackingName(reason: "x"), .critical),
        (.loop(firstSeenAtLayer: 0), .critical),
        (.tooDeep(limit: 64), .warning),   // the inspector's bound: not fully inspected
        (.malformedHeader(.beyondReadLimit(offset: 70_000, count: 100)), .warning),
        (.malformedHeader(.invalidTable(reason: "L1 table is too small")), .critical),
    ])
    func conditionSeverities(condition: LayerCondition, severity: Severity) {
        #expect(condition.severity == severity)
        #expect(condition.detail(layer: "/img/a.qcow2").hasPrefix("/img/a.qcow2: "))
    }

    @Test func worstConditionWinsAndTheTopmostBreaksTies() {
        var top = ImageLayer(index: 0, path: "top")
        top.conditions = [.dirty, .encrypted(method: "luks")]
        var middle = ImageLayer(index: 1, path: "middle")
        middle.conditions = [.corrupt]
        var base = ImageLayer(index: 2, path: "base")
        base.conditions = [.missingBackingFile(name: "gone")]
        let health = BackingChain(layers: [top, middle, base]).health
        #expect(health.severity == .critical)
        #expect(health.condition == .corrupt)
        #expect(health.worst?.layerPath == "middle")
        #expect(health.detail.contains("middle"))
        #expect(health.findings.count == 4)
    }

    @Test func healthyChain() {
        var top = ImageLayer(index: 0, path: "top")
        top.conditions = [.ok]
        let health = BackingChain(layers: [top]).health
        #expect(health.severity == .ok)
        #expect(health.condition == .ok)
        #expect(health.findings.isEmpty)
    }
}
