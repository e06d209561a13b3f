import Foundation
import ImageInspector
import TestSupport
import Testing

/// A background deep check on real hung storage (FUSE, scripts/lib/hangfs.py):
/// the check stuck in a read is given up after the stall limit and recorded as
/// failed, the next file is checked meanwhile, and once the read returns, the
/// stuck check's real result replaces the failure.
@Suite(.serialized, .enabled(if: HungFilesystem.shouldRun, Comment(rawValue: HungFilesystem.requirement.skipReason)))
struct DeepCheckHangTests {
    @Test func aCheckStuckInAReadIsGivenUpAndTheOthersGoOn() throws {
        try withScratchFolder { folder in
            let source = folder.appendingPathComponent("source")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            let fixtures = try Fixtures()
            for name in ["a-hung.qcow2", "b-fine.qcow2"] {
                try fixtures.qemuImg("create", "-f", "qcow2", name, "16M")
                try FileManager.default.copyItem(atPath: fixtures.path(name), toPath: source.appendingPathComponent(name).path)
            }
            let mount = try HungFilesystem(source: source, mountpoint: folder.appendingPathComponent("mnt"), hung: ["a-hung.qcow2"])
            defer { mount.unmount() }
            let hung = mount.mountpoint.appendingPathComponent("a-hung.qcow2").path
            let fine = mount.mountpoint.appendingPathComponent("b-fine.qcow2").path

            let schedule = DeepCheckSchedule(settings: .init(interval: .seconds(3600), bytesPerSecond: 64 << 20,
                                                             stallLimit: .seconds(1)))
            // Identities from a stat, which the hung mount still answers; in path order the hung file goes first.
            schedule.offer(try [hung, fine].map { .init(path: $0, identity: try FileIdentity.of(path: $0), inUse: false) })
            #expect(eventually(timeout: .seconds(15)) { schedule.checksRun == 2 }, "both files recorded: \(mount.lines)")
            #expect(mount.hungReads.contains("a-hung.qcow2"), "the check did block in a read: \(mount.lines)")
            let given = schedule.lastCheck(of: hung)
            #expect(given?.state == .failed, "the stuck check is recorded as failed: \(String(describing: given))")
            if case .failed(let reason)? = given?.outcome { #expect(reason.contains("read nothing for 1 s"), "\(reason)") }
            #expect(schedule.lastCheck(of: fine)?.state == .checked, "the next file was checked meanwhile")

            try mount.release()
            #expect(eventually(timeout: .seconds(10)) { schedule.lastCheck(of: hung)?.state == .checked },
                    "the stuck check's own result, once its read returned")
            #expect(schedule.checksRun == 3)
        }
    }
}
