import Foundation
import Testing
import TestSupport
@testable import ImageInspector

/// Compares one inspected layer with qemu-img's view of it, field by field.
func expectAgreement(_ layer: ImageLayer, _ qemu: [String: Any],
                     sourceLocation: SourceLocation = #_sourceLocation) {
    func number(_ key: String) -> UInt64? { (qemu[key] as? NSNumber)?.uint64Value }
    let qemuFormat = qemu["format"] as? String
    // qemu names a raw layer reached through a protocol format ("file") by the protocol.
    let expectedFormat = qemuFormat == "file" ? "raw" : qemuFormat
    #expect(layer.format == expectedFormat, "format", sourceLocation: sourceLocation)
    #expect(layer.virtualSize == number("virtual-size"), "virtual-size", sourceLocation: sourceLocation)
    if let cluster = number("cluster-size") {
        #expect(layer.clusterSize == cluster, "cluster-size", sourceLocation: sourceLocation)
    }
    if let actual = number("actual-size") {
        #expect(layer.fileSize?.allocated == Int64(actual), "actual-size", sourceLocation: sourceLocation)
    }
    #expect(layer.backingName == qemu["backing-filename"] as? String, "backing-filename", sourceLocation: sourceLocation)
    let report = ChainReport.Layer(layer)
    #expect(report.fullBackingFilename == qemu["full-backing-filename"] as? String, "full-backing-filename",
            sourceLocation: sourceLocation)
    #expect(layer.backingFormat == qemu["backing-filename-format"] as? String, "backing-filename-format",
            sourceLocation: sourceLocation)
    #expect(layer.isDirty == (qemu["dirty-flag"] as? Bool ?? false), "dirty-flag", sourceLocation: sourceLocation)

    guard let specific = qemu["format-specific"] as? [String: Any], specific["type"] as? String == "qcow2",
          let data = specific["data"] as? [String: Any] else { return }
    guard let header = layer.details.qcow2 else {
        Issue.record("qemu-img shows a qcow2 header, the inspector none", sourceLocation: sourceLocation)
        return
    }
    #expect(header.compat == data["compat"] as? String, "compat", sourceLocation: sourceLocation)
    // qemu-img shows corrupt only for v3 images, where the bit exists.
    if let corrupt = data["corrupt"] as? Bool {
        #expect(header.isCorrupt == corrupt, "corrupt", sourceLocation: sourceLocation)
    } else {
        #expect(header.version == 2 && !header.isCorrupt, "corrupt", sourceLocation: sourceLocation)
    }
    #expect(header.incompatibleFeatures.contains(.extendedL2) == (data["extended-l2"] as? Bool ?? false),
            "extended-l2", sourceLocation: sourceLocation)
    #expect(header.compressionType.rawValue == (data["compression-type"] as? String ?? "zlib"),
            "compression-type", sourceLocation: sourceLocation)
    #expect(header.extensions.externalDataFile == data["data-file"] as? String, "data-file", sourceLocation: sourceLocation)
    #expect(header.compatibleFeatures.contains(.lazyRefcounts) == (data["lazy-refcounts"] as? Bool ?? false),
            "lazy-refcounts", sourceLocation: sourceLocation)
    #expect(header.refcountBits == (data["refcount-bits"] as? NSNumber)?.uint64Value, "refcount-bits",
            sourceLocation: sourceLocation)
    let encryption = (data["encrypt"] as? [String: Any])?["format"] as? String
    #expect((header.encryption == .none ? nil : header.encryption.name) == encryption, "encrypt",
            sourceLocation: sourceLocation)
}

/// Inspects `name` and compares every layer with `qemu-img info --backing-chain`.
@discardableResult
func expectChainAgreement(_ fixtures: Fixtures, _ name: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> BackingChain {
    let chain = ChainInspector().inspect(path: name.hasPrefix("/") ? name : fixtures.path(name))
    let qemu = try #require(try fixtures.qemuInfoChain(fixtures.path(name)), "qemu-img refused \(name)",
                            sourceLocation: sourceLocation)
    #expect(chain.layers.count == qemu.count, "number of layers", sourceLocation: sourceLocation)
    for (layer, info) in zip(chain.layers, qemu) {
        expectAgreement(layer, info, sourceLocation: sourceLocation)
    }
    return chain
}
