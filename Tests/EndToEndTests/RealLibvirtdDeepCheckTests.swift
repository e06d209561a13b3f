import Foundation
import MIB
import TestSupport
import Testing

/// The background deep checks against the real libvirtd of scripts/with-libvirtd:
/// a volume the test adds to the pool and damages is checked and shows
/// qemu-img check's counts; the running domain's image is left alone.
/// Nested in RealLibvirtdTests so it never runs beside the others: it adds a volume.
extension RealLibvirtdTests {
@Suite struct DeepChecks {
    @Test func aDamagedPoolVolumeShowsQemuImgChecksCounts() throws {
        let uri = try #require(RealLibvirtd.uri)
        let virsh = Virsh(uri: uri)
        let name = "deep-damaged.qcow2"
        _ = try virsh.run(["vol-create-as", "images", name, "16M", "--format", "qcow2"])
        defer { _ = try? virsh.run(["vol-delete", name, "--pool", "images"]) }
        let path = try virsh.run(["vol-path", name, "--pool", "images"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try QCow2Damage.setHeaderRefcount(of: path, to: 0)
        let qemu = try QCow2Damage.qemuCounts(of: path)
        #expect(qemu.corruptions > 0, "qemu-img check sees the damage")

        let master = try SNMPMaster(owning: try ScratchFolder())
        let agent = try AgentProcess(folder: master.folder, uri: uri, socket: master.socket, deepChecks: true,
                                     extra: ["--deep-check-rate", "64"])
        defer { withExtendedLifetime(agent) { master.stop() } }
        try agent.waitUntilServing(through: master)
        let client = SNMPClient(target: master.target)

        let row = try #require(try client.bulkWalk(Subtree.volumeEntry).table(VirtAgentxMIB.volumeTable)[VolumeColumns.name]?
            .first { $0.value == name }?.key, "no row for the new volume")
        let column = { (subID: UInt32) in "\(Subtree.volumeEntry).\(subID).\(row)" }
        let shown = eventually(timeout: .seconds(30)) {
            (try? client.get([column(VolumeColumns.corruptions.subID)]))?.first?.value == "\(qemu.corruptions)"
        }
        #expect(shown, "virtVolumeCorruptions never showed qemu-img check's \(qemu.corruptions):\n\(agent.process.output.suffix(3000))")
        let values = try client.get([VolumeColumns.deepCheckState, VolumeColumns.chainHealth, VolumeColumns.chainSeverity,
                                     VolumeColumns.lastDeepCheck].map { column($0.subID) })
        #expect(values[0].value == "3", "checked(3)")
        #expect(values[1].value == "21" && values[2].value == "4", "metadataCorruptions(21), critical(4): \(values)")

        // run1 runs: its top image is written, so it waits; idle is shut off: checked.
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
        func disk(_ domain: String, _ target: String) throws -> String {
            let index = try #require(names.first { $0.value == domain }?.oid.split(separator: ".").last.map(String.init))
            return try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(index + ".") && $0.value == target }?.key)
        }
        #expect(disks[DiskColumns.deepCheckState]?[try disk("run1", "vda")] == "6", "skippedInUse(6)")
        let idle = try disk("idle", "vda")
        #expect(eventually(timeout: .seconds(30)) {
            (try? client.get(["\(Subtree.diskEntry).\(DiskColumns.deepCheckState.subID).\(idle)"]))?.first?.value == "3"
        }, "idle/vda (shut off) is checked")
    }
}
}
