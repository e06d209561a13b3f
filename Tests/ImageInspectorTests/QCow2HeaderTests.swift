import Foundation
import Testing
import TestSupport
@testable import ImageInspector

@Suite("qcow2 headers, cross-checked with qemu-img")
struct QCow2HeaderTests {
    func make(_ options: [String], size: String = "10M") throws -> (Fixtures, ImageLayer) {
        let fixtures = try Fixtures()
        try fixtures.run(Fixtures.qemuImgPath(), ["create", "-f", "qcow2"] + options + ["image.qcow2", size])
        let chain = try expectChainAgreement(fixtures, "image.qcow2")
        return (fixtures, try #require(chain.layers.first))
    }

    @Test func version3Defaults() throws {
        let (_, layer) = try make([])
        let header = try #require(layer.details.qcow2)
        #expect(header.version == 3)
        #expect(header.compat == "1.1")
        #expect(header.clusterBits == 16)
        #expect(header.refcountOrder == 4)
        #expect(header.headerLength >= 104)
        #expect(header.compressionType == .zlib)
        #expect(header.encryption == .none)
        #expect(header.snapshotCount == 0)
        #expect(header.l1Size >= 1)
        #expect(header.refcountTableClusters >= 1)
        // qemu-img writes the names of all features it knows.
        #expect(header.extensions.featureNames.contains(QCow2FeatureName(kind: .incompatible, bit: 1, name: "corrupt bit")))
        #expect(layer.conditions == [.ok])
    }

    @Test func version2() throws {
        let (_, layer) = try make(["-o", "compat=0.10"])
        let header = try #require(layer.details.qcow2)
        #expect(header.version == 2)
        #expect(header.compat == "0.10")
        #expect(header.headerLength == 72)
        #expect(header.incompatibleFeatures.isEmpty)
    }

    @Test func extendedL2() throws {
        let (_, layer) = try make(["-o", "extended_l2=on"])
        #expect(layer.details.qcow2?.incompatibleFeatures.contains(.extendedL2) == true)
        #expect(layer.details.qcow2?.incompatibleFeatureNames.map(\.description) == ["extended L2 entries (bit 4)"])
    }

    @Test func zstd() throws {
        let (_, layer) = try make(["-o", "compression_type=zstd"])
        #expect(layer.details.qcow2?.compressionType == .zstd)
        #expect(layer.details.qcow2?.incompatibleFeatures.contains(.compressionType) == true)
    }

    @Test func lazyRefcountsAndSmallClusters() throws {
        let (_, layer) = try make(["-o", "lazy_refcounts=on,cluster_size=4096,refcount_bits=64"])
        let header = try #require(layer.details.qcow2)
        #expect(header.compatibleFeatures.contains(.lazyRefcounts))
        #expect(header.clusterSize == 4096)
        #expect(header.refcountBits == 64)
    }

    @Test func externalDataFile() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "-o", "data_file=\(fixtures.path("data.raw"))", "image.qcow2", "10M")
        let layer = try #require(try expectChainAgreement(fixtures, "image.qcow2").layers.first)
        #expect(layer.details.qcow2?.hasExternalDataFile == true)
        #expect(layer.conditions == [.externalDataFile(path: fixtures.path("data.raw"), exists: true)])
        #expect(layer.severity == .info)

        try FileManager.default.removeItem(atPath: fixtures.path("data.raw"))
        let missing = try #require(inspect(fixtures, "image.qcow2").layers.first)
        #expect(missing.conditions == [.externalDataFile(path: fixtures.path("data.raw"), exists: false)])
        #expect(missing.severity == .critical)
    }

    @Test func luksEncrypted() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImgRetrying(["create", "-f", "qcow2", "--object", "secret,id=sec0,data=abc",
                                      "-o", "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10",
                                      "image.qcow2", "10M"])
        let layer = try #require(try expectChainAgreement(fixtures, "image.qcow2").layers.first)
        let header = try #require(layer.details.qcow2)
        #expect(header.encryption == .luks)
        #expect(header.extensions.encryptionHeader != nil)
        #expect(layer.conditions == [.encrypted(method: "luks")])
        #expect(layer.severity == .info)
    }

    @Test func bitmapsExtension() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        try fixtures.qemuImg("bitmap", "--add", "image.qcow2", "b0")
        try fixtures.qemuImg("bitmap", "--add", "image.qcow2", "b1")
        let layer = try #require(try expectChainAgreement(fixtures, "image.qcow2").layers.first)
        let header = try #require(layer.details.qcow2)
        #expect(header.extensions.bitmaps?.count == 2)
        #expect(header.autoclearFeatures.contains(.bitmaps))
    }

    @Test func snapshotsCount() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        try fixtures.qemuImg("snapshot", "-c", "s1", "image.qcow2")
        let layer = try #require(try expectChainAgreement(fixtures, "image.qcow2").layers.first)
        #expect(layer.details.qcow2?.snapshotCount == 1)
    }

    @Test func parsesFromMemoryWithoutAFile() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "-u", "image.qcow2", "1G")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures.path("image.qcow2"))))
        let inspection = LayerInspection.inspect(MemoryImageSource(bytes: bytes))
        #expect(inspection.probedFormat == .qcow2)
        #expect(inspection.virtualSize == 1 << 30)
        #expect(inspection.backingName == "base.raw")
        #expect(inspection.backingFormat == "raw")
    }
}
