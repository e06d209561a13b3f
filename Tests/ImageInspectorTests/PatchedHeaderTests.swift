import Foundation
import Testing
import TestSupport
@testable import ImageInspector

/// Headers qemu-img will not create, made by writing bytes into an image it did create.
@Suite("Byte-patched qcow2 headers")
struct PatchedHeaderTests {
    /// A fresh v3 image (with a backing file when asked), and the fixtures holding it.
    func image(backing: Bool = false) throws -> Fixtures {
        let fixtures = try Fixtures()
        if backing {
            try fixtures.qemuImg("create", "-f", "raw", "base.raw", "1M")
            try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "image.qcow2")
        } else {
            try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        }
        return fixtures
    }

    func topConditions(_ fixtures: Fixtures) -> [LayerCondition] {
        inspect(fixtures, "image.qcow2").layers.first?.conditions ?? []
    }

    @Test func corruptBit() throws {
        let fixtures = try image()
        try fixtures.patchBigEndian("image.qcow2", at: 72, 0x2, width: 8)
        let layer = try #require(try expectChainAgreement(fixtures, "image.qcow2").layers.first)
        #expect(layer.conditions == [.corrupt])
        #expect(layer.severity == .critical)
    }

    @Test func dirtyBit() throws {
        let fixtures = try image()
        try fixtures.patchBigEndian("image.qcow2", at: 72, 0x1, width: 8)
        let layer = try #require(try expectChainAgreement(fixtures, "image.qcow2").layers.first)
        #expect(layer.isDirty)
        #expect(layer.conditions == [.dirty])
        #expect(layer.severity == .warning)
    }

    @Test func unknownIncompatibleBitWithoutAName() throws {
        let fixtures = try image()
        try fixtures.patchBigEndian("image.qcow2", at: 72, 1 << 9, width: 8)
        #expect(topConditions(fixtures) == [.unknownIncompatibleFeatures([FeatureBit(bit: 9, name: nil)])])
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil, "qemu-img refuses it too")
    }

    @Test func unknownIncompatibleBitNamedByTheFeatureTable() throws {
        let fixtures = try image()
        // Turn the table's "lazy refcounts" entry (compatible bit 0) into incompatible bit 9.
        let offset = try fixtures.offset(of: [1, 0] + Array("lazy refcounts".utf8), in: "image.qcow2")
        let name = Array("future feature".utf8)
        try fixtures.patch("image.qcow2", at: UInt64(offset),
                           bytes: [0, 9] + name + [UInt8](repeating: 0, count: 46 - name.count))
        try fixtures.patchBigEndian("image.qcow2", at: 72, 1 << 9, width: 8)
        let conditions = topConditions(fixtures)
        #expect(conditions == [.unknownIncompatibleFeatures([FeatureBit(bit: 9, name: "future feature")])])
        #expect(conditions.first?.detail(layer: "x").contains("future feature (bit 9)") == true)
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil)
    }

    @Test func badVersion() throws {
        let fixtures = try image()
        try fixtures.patchBigEndian("image.qcow2", at: 4, 7, width: 4)
        #expect(topConditions(fixtures) == [.malformedHeader(.unsupportedVersion(7))])
        #expect(inspect(fixtures, "image.qcow2").layers.first?.probedFormat == .qcow2)
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil)
    }

    @Test func clusterBits30() throws {
        let fixtures = try image()
        try fixtures.patchBigEndian("image.qcow2", at: 20, 30, width: 4)
        #expect(topConditions(fixtures) == [.malformedHeader(.clusterBitsOutOfRange(30))])
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil)
    }

    @Test func truncatedFile() throws {
        let fixtures = try image()
        try fixtures.truncate("image.qcow2", to: 50)
        let conditions = topConditions(fixtures)
        guard case .malformedHeader(.truncated) = conditions.first else {
            Issue.record("expected truncated, got \(conditions)")
            return
        }
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil)
    }

    @Test func backingNameTooLong() throws {
        let fixtures = try image(backing: true)
        try fixtures.patchBigEndian("image.qcow2", at: 16, 5000, width: 4)
        #expect(topConditions(fixtures) == [.malformedHeader(.backingNameTooLong(5000, limit: 1023))])
        #expect(inspect(fixtures, "image.qcow2").layers.count == 1, "the chain is not followed")
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil)
    }

    @Test func backingNameOutsideTheFirstCluster() throws {
        let fixtures = try image(backing: true)
        try fixtures.patchBigEndian("image.qcow2", at: 8, 65530, width: 8)
        #expect(topConditions(fixtures) == [.malformedHeader(.backingNameOutsideHeader(offset: 65530, length: 8))])
        try fixtures.patchBigEndian("image.qcow2", at: 8, UInt64.max, width: 8)
        #expect(topConditions(fixtures) == [.malformedHeader(.backingNameOutsideHeader(offset: UInt64.max, length: 8))])
    }

    @Test func extensionOverrun() throws {
        let fixtures = try image()
        // The first extension follows the 112-byte header: make it claim 64 KiB.
        try fixtures.patchBigEndian("image.qcow2", at: 112 + 4, 0x10000, width: 4)
        let conditions = topConditions(fixtures)
        guard case .malformedHeader(.extensionOverrun(let type, let offset, let length)) = conditions.first else {
            Issue.record("expected an extension overrun, got \(conditions)")
            return
        }
        #expect(type == QCow2ExtensionType.featureNameTable)
        #expect(offset == 112)
        #expect(length == 0x10000)
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil)
    }

    @Test func headerLengthTooShort() throws {
        let fixtures = try image()
        try fixtures.patchBigEndian("image.qcow2", at: 100, 50, width: 4)
        #expect(topConditions(fixtures) == [.malformedHeader(.invalidHeaderLength(50))])
        #expect(try fixtures.qemuInfoChain("image.qcow2") == nil)
    }

    @Test func backingFormatLongerThanQemuAccepts() throws {
        let fixtures = try image(backing: true)
        let offset = try fixtures.offset(of: Fixtures.backingFormatExtension, in: "image.qcow2")
        try fixtures.patchBigEndian("image.qcow2", at: UInt64(offset + 4), 16, width: 4)
        guard case .malformedHeader(.invalidExtension(let type, _)) = topConditions(fixtures).first else {
            Issue.record("expected an invalid extension")
            return
        }
        #expect(type == QCow2ExtensionType.backingFormat)
    }
}
