import Testing
import TestSupport
@testable import ImageInspector

/// The two images libvirt added to its tests when qemu started writing protocol
/// names into the backing format field.
@Suite("libvirt's protocol-as-format seed images")
struct LibvirtSeedTests {
    @Test func fileProtocolAsBackingFormat() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "raw", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "file", "-b", "raw", "qcow2-protocol-backing-file.qcow2")
        let chain = try expectChainAgreement(fixtures, "qcow2-protocol-backing-file.qcow2")
        #expect(chain.layers.count == 2, "the chain continues into raw")
        let base = chain.layers[1]
        #expect(base.path == fixtures.path("raw"))
        #expect(base.declaredFormat == "file")
        #expect(base.probedFormat == .raw)
        #expect(base.format == "raw")
        #expect(base.conditions == [.backingFormatIsProtocol("file")])
        #expect(chain.health.severity == .warning)
        #expect(chain.health.condition == .backingFormatIsProtocol("file"))
    }

    @Test func nbdProtocolAsBackingFormat() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "nbd", "-b", "nbd+tcp://example.org:6000/blah", "-u",
                             "qcow2-protocol-backing-nbd.qcow2", "10M")
        let chain = inspect(fixtures, "qcow2-protocol-backing-nbd.qcow2")
        let qemu = try #require(try fixtures.qemuInfoChain("qcow2-protocol-backing-nbd.qcow2").flatMap(\.first)
            ?? fixtures.qemuInfo("qcow2-protocol-backing-nbd.qcow2") as [String: Any]?)
        expectAgreement(chain.layers[0], qemu)
        #expect(chain.layers.count == 2)
        let backing = chain.layers[1]
        #expect(backing.path == "nbd+tcp://example.org:6000/blah")
        #expect(backing.probedFormat == nil, "nothing is connected to")
        #expect(backing.identity == nil)
        #expect(backing.conditions == [
            .backingFormatIsProtocol("nbd"),
            .networkBacking(protocol: "nbd+tcp", description: "nbd+tcp://example.org:6000/blah"),
        ])
        #expect(chain.health.severity == .warning)
    }
}
