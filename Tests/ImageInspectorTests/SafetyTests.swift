import Foundation
import Testing
import TestSupport
@testable import ImageInspector

@Suite("Bounded, read-only inspection")
struct SafetyTests {
    @Test func aQemuImgLayerCostsOneFourKiBRead() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "base.qcow2", "top.qcow2")
        for name in ["base.qcow2", "top.qcow2"] {
            let identity = try FileIdentity.of(path: fixtures.path(name))
            let inspection = LayerInspection.read(path: fixtures.path(name), identity: identity)
            #expect(inspection.bytesRead == InspectionLimits.initialReadSize)
        }
    }

    @Test func hostileSizesStayWithinTheReadLimit() throws {
        let fixtures = try Fixtures()
        // 2 MiB clusters let a feature name table claim far more than the limit.
        try fixtures.qemuImg("create", "-f", "qcow2", "-o", "cluster_size=2M", "image.qcow2", "10M")
        try fixtures.patchBigEndian("image.qcow2", at: 112 + 4, 1_000_000, width: 4)
        try fixtures.truncate("image.qcow2", to: 4 << 20)
        let identity = try FileIdentity.of(path: fixtures.path("image.qcow2"))
        let inspection = LayerInspection.read(path: fixtures.path("image.qcow2"), identity: identity)
        #expect(inspection.bytesRead <= InspectionLimits.maxBytesPerLayer)
        guard case .malformedHeader(.beyondReadLimit) = inspection.conditions.first else {
            Issue.record("expected the read limit to be reported, got \(inspection.conditions)")
            return
        }
    }

    @Test func backingNameFurtherInTheClusterIsReadWithOneMoreRead() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "1M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "image.qcow2")
        // Move the name from 0x210 to 20000, still within the 64 KiB first cluster.
        try fixtures.patch("image.qcow2", at: 20000, bytes: Array("base.raw".utf8))
        try fixtures.patchBigEndian("image.qcow2", at: 8, 20000, width: 8)
        let identity = try FileIdentity.of(path: fixtures.path("image.qcow2"))
        let inspection = LayerInspection.read(path: fixtures.path("image.qcow2"), identity: identity)
        #expect(inspection.backingName == "base.raw")
        #expect(inspection.bytesRead == InspectionLimits.initialReadSize + 8)
        #expect(inspect(fixtures, "image.qcow2").layers.count == 2)
    }

    @Test func anImageInUseByQemuCanBeInspected() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "-o", "lazy_refcounts=on", "image.qcow2", "10M")
        // qemu-io holds the image open read-write (with qemu's locks) and, with
        // lazy refcounts, marks it dirty on its first allocating write.
        let qemuIO = try ChildProcess("qemu-io", try Fixtures.toolPath("qemu-io"),
                                      ["-f", "qcow2", "-c", "write 0 64k", "-c", "sleep 10000", fixtures.path("image.qcow2")],
                                      log: URL(fileURLWithPath: "/dev/null"))
        // SIGKILL: qemu-io finishes its sleep command before honouring SIGTERM.
        defer { qemuIO.stop(signal: SIGKILL) }
        var layer: ImageLayer?
        _ = eventually(timeout: .seconds(5)) {
            layer = inspect(fixtures, "image.qcow2").top
            return layer?.isDirty == true
        }
        #expect(layer?.probedFormat == .qcow2)
        #expect(layer?.conditions == [.dirty])
        #expect(qemuIO.isRunning, "the inspector took no lock that would disturb qemu")
    }

    @Test func descriptorIsCloseOnExecAndClosed() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "1M")
        let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        for _ in 0 ..< 20 { _ = inspect(fixtures, "image.qcow2") }
        let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        #expect(after <= before + 2, "no descriptor leaks (other tests may run concurrently)")
    }
}
