import Foundation
import MIB
import TestSupport
import Testing

/// Volume sizes the agent takes from the files (issue: a steady poll costs no call
/// per volume) held to what libvirt itself says: every volume's capacity,
/// allocation and path against `virsh vol-info --bytes` and `vol-path`, after
/// writes that change allocation, a resize, and a volume made behind libvirt's
/// back then found by `pool-refresh`. Its own transient pool, destroyed after.
/// Nested in RealLibvirtdTests so it never runs beside the others.
extension RealLibvirtdTests {
@Suite struct VolumeSizes {
    @Test func everyVolumesSizesAndPathAreLibvirtsAfterWritesAResizeAndARefresh() throws {
        let uri = try #require(RealLibvirtd.uri)
        let virsh = Virsh(uri: uri)
        let images = try ScratchFolder(prefix: "virt-agentx-sizes")
        let pool = "sizes-\(getpid())"
        _ = try virsh.run(["pool-create-as", pool, "dir", "--target", images.path])
        defer { _ = try? virsh.run(["pool-destroy", pool]) }
        _ = try virsh.run(["vol-create-as", pool, "data.raw", "8M", "--format", "raw"])
        _ = try virsh.run(["vol-create-as", pool, "grow.qcow2", "16M", "--format", "qcow2"])
        try qemuImg(["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "grow.qcow2", "overlay.qcow2", "32M"], in: images)
        _ = try virsh.run(["pool-refresh", pool])

        let master = try SNMPMaster(owning: try ScratchFolder())
        let agent = try AgentProcess(folder: master.folder, uri: uri, socket: master.socket, extra: ["--poll-interval", "1"])
        defer { withExtendedLifetime(agent) { master.stop() } }
        try agent.waitUntilServing(through: master)
        let client = SNMPClient(target: master.target)

        /// Every difference between the agent's volume rows of `pool` and virsh.
        func differences() throws -> [String] {
            let pools = try client.bulkWalk(Subtree.poolEntry).table(VirtAgentxMIB.poolTable)
            guard let index = pools[PoolColumns.name]?.first(where: { $0.value == pool })?.key else { return ["no row for pool \(pool)"] }
            let rows = try client.bulkWalk(Subtree.volumeEntry).table(VirtAgentxMIB.volumeTable)
            var found: [String] = []
            let names = try virsh.run(["vol-list", pool]).split(separator: "\n").dropFirst(2)
                .compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).first.map(String.init) }
            for name in names {
                guard let row = rows[VolumeColumns.name]?.first(where: { $0.key.hasPrefix(index + ".") && $0.value == name })?.key else {
                    found.append("\(name): no row"); continue
                }
                let info = try virsh.report(["vol-info", "--bytes", "--pool", pool, name])
                let expected = [(VolumeColumns.capacity, info["Capacity"]), (VolumeColumns.allocation, info["Allocation"]),
                                (VolumeColumns.path, try virsh.run(["vol-path", "--pool", pool, name]).trimmingCharacters(in: .whitespacesAndNewlines))]
                for (column, value) in expected {
                    let libvirt = value.map { $0.replacingOccurrences(of: " bytes", with: "") }
                    if rows[column]?[row] != libvirt {
                        found.append("\(name) \(column.name): agent \(rows[column]?[row] ?? "none"), libvirt \(libvirt ?? "none")")
                    }
                }
            }
            if names.count != 3 + (names.contains("late.raw") ? 1 : 0) { found.append("virsh lists \(names)") }
            return found
        }
        /// Within a few polls (one a second): sooner than the descriptions kept
        /// between polls are read again (10 polls), so the sizes must come from the files.
        func agreeSoon(_ stage: String) throws {
            var last: [String] = []
            let agreed = eventually(timeout: .seconds(5), every: .milliseconds(250)) {
                do { last = try differences() } catch { last = ["\(error)"] }
                return last.isEmpty
            }
            #expect(agreed, "\(stage): \(last.joined(separator: "; "))")
        }
        try agreeSoon("as made")

        // Writes, with no refresh: libvirt re-reads a file volume when asked, so must the agent.
        let before = try virsh.report(["vol-info", "--bytes", "--pool", pool, "grow.qcow2"])["Allocation"]
        let write = try Command.run(try Fixtures.toolPath("qemu-io"), ["-f", "qcow2", "-c", "write -q -P 7 0 3M", images.url.appendingPathComponent("grow.qcow2").path])
        #expect(write.status == 0, "\(write.stderr)")
        let handle = try FileHandle(forWritingTo: images.url.appendingPathComponent("data.raw"))
        try handle.seek(toOffset: 1 << 20)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 2 << 20))
        try handle.close()
        _ = try virsh.run(["vol-resize", "--pool", pool, "data.raw", "12M"])
        #expect(try virsh.report(["vol-info", "--bytes", "--pool", pool, "grow.qcow2"])["Allocation"] != before, "the write changed allocation")
        try agreeSoon("after writes and a resize")

        // A volume libvirt learns of only through a refresh (the pool's refresh event).
        try qemuImg(["create", "-q", "-f", "raw", "late.raw", "4M"], in: images)
        _ = try virsh.run(["pool-refresh", pool])
        try agreeSoon("after pool-refresh")
    }

    func qemuImg(_ arguments: [String], in folder: ScratchFolder) throws {
        let run = try Command.run(try Fixtures.toolPath("qemu-img"), arguments, in: folder.url)
        guard run.status == 0 else { throw HarnessError("qemu-img \(arguments.joined(separator: " ")): \(run.stderr)") }
    }
}
}
