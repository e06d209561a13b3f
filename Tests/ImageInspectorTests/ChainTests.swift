import Foundation
import Testing
import TestSupport
@testable import ImageInspector

@Suite("Backing chains")
struct ChainTests {
    @Test func relativeChainAgreesWithQemuImg() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "mid.qcow2")
        try FileManager.default.createDirectory(atPath: fixtures.path("sub"), withIntermediateDirectories: true)
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "../mid.qcow2", "sub/top.qcow2")
        let chain = try expectChainAgreement(fixtures, "sub/top.qcow2")
        #expect(chain.layers.map(\.path) == [fixtures.path("sub/top.qcow2"), fixtures.path("sub/../mid.qcow2"),
                                            fixtures.path("sub/../base.raw")])
        #expect(chain.layers.map(\.format) == ["qcow2", "qcow2", "raw"])
        #expect(chain.layers.map(\.declaredFormat) == [nil, "qcow2", "raw"])
        #expect(chain.health.severity == .ok)
    }

    /// Chains live as long as their snapshot (thousands on a host): no room kept for layers they lack.
    @Test func aChainKeepsNoRoomBeyondItsLayers() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "base.qcow2", "top.qcow2")
        let chain = ChainInspector().inspect(path: fixtures.path("top.qcow2"))
        #expect(chain.layers.count == 2)
        #expect(chain.layers.capacity < 4, "capacity \(chain.layers.capacity) for 2 layers")
    }

    @Test func absoluteBackingName() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", fixtures.path("base.qcow2"), "top.qcow2")
        let chain = try expectChainAgreement(fixtures, "top.qcow2")
        #expect(chain.layers.last?.path == fixtures.path("base.qcow2"))
    }

    @Test func fortyLayers() throws {
        let fixtures = try Fixtures()
        let names = (0 ..< 40).map { "layer\($0).qcow2" }
        try fixtures.makeChain(names)
        let chain = try expectChainAgreement(fixtures, names.last!)
        #expect(chain.layers.count == 40)
        #expect(chain.health.severity == .ok)
    }

    @Test func deeperThanTheConfiguredLimit() throws {
        let fixtures = try Fixtures()
        let names = (0 ..< 8).map { "layer\($0).qcow2" }
        try fixtures.makeChain(names)
        let chain = inspect(fixtures, names.last!, maxDepth: 5)
        #expect(chain.layers.count == 6)
        #expect(chain.layers.last?.conditions == [.tooDeep(limit: 5)])
        #expect(chain.layers.last?.path == fixtures.path("layer2.qcow2"))
        #expect(chain.layers.last?.probedFormat == nil, "the layer past the limit is not read")
        #expect(chain.health.condition == .tooDeep(limit: 5))
    }

    @Test func loop() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "a.qcow2", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "a.qcow2", "b.qcow2")
        try fixtures.qemuImg("rebase", "-u", "-F", "qcow2", "-b", "b.qcow2", "a.qcow2")
        let chain = inspect(fixtures, "a.qcow2")
        #expect(chain.layers.count == 3)
        #expect(chain.layers.last?.conditions == [.loop(firstSeenAtLayer: 0)])
        #expect(chain.health.severity == .critical)
        #expect(try fixtures.qemuInfoChain("a.qcow2") == nil, "qemu-img reports the loop as an error")
    }

    @Test func loopThroughASymlinkIsTheSameFile() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "a.qcow2", "10M")
        try FileManager.default.createSymbolicLink(atPath: fixtures.path("alias.qcow2"), withDestinationPath: "a.qcow2")
        try fixtures.qemuImg("rebase", "-u", "-F", "qcow2", "-b", "alias.qcow2", "a.qcow2")
        let chain = inspect(fixtures, "a.qcow2")
        #expect(chain.layers.map(\.codes) == [["ok"], ["loop"]])
    }

    @Test func missingBackingFile() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "gone.qcow2", "-u", "top.qcow2", "10M")
        let chain = inspect(fixtures, "top.qcow2")
        #expect(chain.layers.count == 2)
        #expect(chain.layers[1].conditions == [.missingBackingFile(name: "gone.qcow2")])
        #expect(chain.layers[1].path == fixtures.path("gone.qcow2"))
        #expect(chain.health.severity == .critical)
        #expect(chain.health.detail.contains("gone.qcow2"))
        #expect(try fixtures.qemuInfoChain("top.qcow2") == nil)
    }

    @Test func missingTopImageIsUnreadable() throws {
        let fixtures = try Fixtures()
        let chain = inspect(fixtures, "nothing.qcow2")
        #expect(chain.layers.map(\.codes) == [["unreadable"]])
    }

    @Test func fifoAsBackingIsNeverOpened() throws {
        let fixtures = try Fixtures()
        #expect(mkfifo(fixtures.path("pipe"), 0o600) == 0)
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "pipe", "-u", "top.qcow2", "10M")
        let chain = inspect(fixtures, "top.qcow2")
        #expect(chain.layers.count == 2)
        #expect(chain.layers[1].conditions == [.notRegularFile(.fifo)])
        #expect(chain.layers[1].probedFormat == nil)
    }

    @Test func directoryAsBacking() throws {
        let fixtures = try Fixtures()
        try FileManager.default.createDirectory(atPath: fixtures.path("dir"), withIntermediateDirectories: false)
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "dir", "-u", "top.qcow2", "10M")
        let chain = inspect(fixtures, "top.qcow2")
        #expect(chain.layers[1].conditions == [.notRegularFile(.directory)])
    }

    @Test func characterDeviceIsNotRead() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "/dev/zero", "-u", "top.qcow2", "10M")
        #expect(inspect(fixtures, "top.qcow2").layers[1].conditions == [.notRegularFile(.characterDevice)])
    }

    @Test func unreadableBecauseOfPermissions() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "1M")
        #expect(chmod(fixtures.path("image.qcow2"), 0) == 0)
        guard geteuid() != 0 else { return }  // root reads anything; the rule is still covered by the Errno mapping
        #expect(inspect(fixtures, "image.qcow2").layers.first?.codes == ["unreadable"])
    }

    @Test func backingFormatNotRecorded() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "base.qcow2", "top.qcow2")
        try fixtures.dropBackingFormat("top.qcow2")
        let chain = try expectChainAgreement(fixtures, "top.qcow2")
        #expect(chain.layers[1].conditions == [.backingFormatNotRecorded(probed: .qcow2, probingRefused: false)])
        #expect(chain.health.severity == .warning)
    }

    @Test func backingFormatNotRecordedAndProbingRefused() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "mid.qcow2", "top.qcow2"])
        try fixtures.dropBackingFormat("top.qcow2")
        let chain = inspect(fixtures, "top.qcow2")
        #expect(chain.layers.count == 3, "qemu would still probe and follow")
        #expect(chain.layers[1].conditions == [.backingFormatNotRecorded(probed: .qcow2, probingRefused: true)])
        #expect(chain.health.severity == .critical)
    }

    @Test func recordedRawButQcow2IsServedAsRaw() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "mid.qcow2"])
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "mid.qcow2", "-u", "top.qcow2", "10M")
        let chain = try expectChainAgreement(fixtures, "top.qcow2")
        #expect(chain.layers.count == 2, "a qcow2 served as raw has no backing file")
        #expect(chain.layers[1].format == "raw")
        #expect(chain.layers[1].probedFormat == .qcow2)
        #expect(chain.layers[1].conditions == [.formatMismatch(recorded: "raw", probed: .qcow2)])
        #expect(chain.health.severity == .warning)
    }

    @Test func recordedQcow2ButRawIsCritical() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "base.raw", "-u", "top.qcow2", "10M")
        let chain = inspect(fixtures, "top.qcow2")
        #expect(chain.layers[1].conditions == [.formatMismatch(recorded: "qcow2", probed: .raw)])
        #expect(chain.health.severity == .critical)
        #expect(try fixtures.qemuInfoChain("top.qcow2") == nil)
    }

    @Test func unknownBackingFormat() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "base.qcow2", "top.qcow2")
        let offset = try fixtures.offset(of: Fixtures.backingFormatExtension, in: "top.qcow2")
        try fixtures.patch("top.qcow2", at: UInt64(offset + 8), bytes: Array("qcowz".utf8))
        let chain = inspect(fixtures, "top.qcow2")
        #expect(chain.layers[1].conditions == [.backingFormatUnknown("qcowz", knownToQemu: false)])
        #expect(chain.layers.count == 2)
        #expect(try fixtures.qemuInfoChain("top.qcow2") == nil)
    }

    @Test func jsonFileBackingIsFollowed() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "10M")
        let spec = #"json:{"driver":"raw","file":{"driver":"file","filename":"\#(fixtures.path("base.raw"))"}}"#
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", spec, "-u", "top.qcow2", "10M")
        let chain = try expectChainAgreement(fixtures, "top.qcow2")
        #expect(chain.layers.map(\.path) == [fixtures.path("top.qcow2"), fixtures.path("base.raw")])
    }

    @Test func networkBackingIsNotTraversed() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "rbd:pool/image", "-u", "top.qcow2", "10M")
        let chain = inspect(fixtures, "top.qcow2")
        #expect(chain.layers.count == 2)
        #expect(chain.layers[1].conditions == [.networkBacking(protocol: "rbd", description: "rbd:pool/image")])
        #expect(chain.layers[1].format == "raw")
        #expect(chain.health.severity == .info)
    }

    @Test func otherFormatsWithBackingFiles() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "10M")
        try fixtures.qemuImg("create", "-f", "qed", "-F", "qcow2", "-b", "base.qcow2", "top.qed")
        try fixtures.qemuImg("create", "-f", "qcow", "-F", "qcow2", "-b", "base.qcow2", "top.qcow")
        try fixtures.qemuImg("create", "-f", "vmdk", "base.vmdk", "10M")
        try fixtures.qemuImg("create", "-f", "vmdk", "-F", "vmdk", "-b", "base.vmdk", "top.vmdk")
        for name in ["top.qed", "top.qcow", "top.vmdk"] {
            let chain = try expectChainAgreement(fixtures, name)
            #expect(chain.layers.count == 2, "\(name)")
        }
        // QED and qcow cannot record a backing format (QED only "raw, do not probe").
        #expect(inspect(fixtures, "top.qed").layers[1].codes == ["backing-format-not-recorded"])
        #expect(inspect(fixtures, "top.vmdk").health.severity == .ok)
    }
}
