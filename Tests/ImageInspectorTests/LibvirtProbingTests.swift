import Foundation
import Testing
import TestSupport
@testable import ImageInspector

/// Where libvirt, not qemu alone, decides: it probes a backing whose format the child
/// does not record in a form libvirt reads, and refuses to when that backing has a
/// backing of its own -- except under a QED child. Each case is one the differential
/// run's libvirt oracle settled (a domain started, or refused, on the real libvirtd).
@Suite("libvirt's probing of backing formats")
struct LibvirtProbingTests {
    func severity(_ fixtures: Fixtures, _ name: String) -> Severity? {
        inspect(fixtures, name).layers.map(\.severity).max()
    }

    @Test func aQEDChildsBackingIsProbedEvenWithABackingOfItsOwn() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "1M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "mid.qcow2")
        try fixtures.qemuImg("create", "-f", "qed", "-F", "qcow2", "-b", "mid.qcow2", "top.qed")
        #expect(inspect(fixtures, "top.qed").layers[1].conditions == [.backingFormatNotRecorded(probed: .qcow2, probingRefused: false)])
        #expect(severity(fixtures, "top.qed") == .warning, "libvirt starts it")
    }

    @Test func aVMDKParentWithAParentOfItsOwnIsNotProbed() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "vmdk", "b0.vmdk", "1M")
        try fixtures.qemuImg("create", "-f", "vmdk", "-F", "vmdk", "-b", "b0.vmdk", "b1.vmdk")
        try fixtures.qemuImg("create", "-f", "vmdk", "-F", "vmdk", "-b", "b1.vmdk", "b2.vmdk")
        #expect(severity(fixtures, "b1.vmdk") == .ok, "two layers: libvirt probes the parent")
        #expect(severity(fixtures, "b2.vmdk") == .critical, "three: libvirt refuses to probe b1.vmdk")
    }

    @Test func aProtocolRecordedAsFormatIsProbedSafely() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "1M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "mid.qcow2")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "mid.qcow2", "top.qcow2")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "one.qcow2")
        for image in ["top.qcow2", "one.qcow2"] {
            let offset = try fixtures.offset(of: Fixtures.backingFormatExtension, in: image)
            try fixtures.patchBigEndian(image, at: UInt64(offset + 4), 3, width: 4)
            try fixtures.patch(image, at: UInt64(offset + 8), bytes: Array("nbd".utf8) + [0, 0, 0, 0, 0])
        }
        let deep = inspect(fixtures, "top.qcow2").layers[1].conditions
        #expect(deep == [.backingFormatIsProtocol("nbd"), .backingFormatNotRecorded(probed: .qcow2, probingRefused: true)])
        #expect(severity(fixtures, "top.qcow2") == .critical, "libvirt refuses: the backing has one of its own")
        #expect(inspect(fixtures, "one.qcow2").layers[1].conditions == [.backingFormatIsProtocol("nbd")])
        #expect(severity(fixtures, "one.qcow2") == .warning, "libvirt probes base.raw and starts it")
    }

    /// A qcow2 magic with a version libvirt's probe does not claim (it knows 2 and
    /// 3): libvirt names the backing raw to qemu and the domain starts (version 0:
    /// qemu's own probe says raw too; 4: qemu alone would refuse it as qcow2).
    @Test(arguments: [UInt64(0), 4])
    func aQcow2VersionLibvirtDoesNotProbeIsServedAsRaw(version: UInt64) throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "1M")
        try fixtures.qemuImg("create", "-f", "qed", "-F", "qcow2", "-b", "base.qcow2", "top.qed")
        try fixtures.patchBigEndian("base.qcow2", at: 4, version, width: 4)
        let base = inspect(fixtures, "top.qed").layers[1]
        #expect(base.conditions == [.backingFormatNotRecorded(probed: .raw, probingRefused: false)])
        #expect(base.format == "raw")
        #expect(severity(fixtures, "top.qed") == .warning, "libvirt starts it")
    }
}
