import Foundation
import TestSupport
import Testing

/// `virt-agentx inspect --deep` as an operator runs it: on a chain whose base
/// is damaged, on a leaking image and a clean one, the exit status follows the
/// worst finding, the JSON's check object carries qemu-img check's counts, and
/// the tree says what is wrong where.
@Suite struct InspectDeepTests {
    func qemuImg(_ arguments: [String]) throws -> Command {
        let result = try Command.run("qemu-img", arguments)
        #expect(result.status == 0 || arguments.first == "check", "qemu-img \(arguments): \(result.stderr)")
        return result
    }

    /// Sets the 16-bit refcount of `cluster` (within the first refcount block) to `value`.
    func patchRefcount(_ path: String, cluster: Int, to value: UInt16) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: 48)
        let header = try #require(try handle.read(upToCount: 8))
        let table = header.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        try handle.seek(toOffset: table)
        let entry = try #require(try handle.read(upToCount: 8))
        let block = entry.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & ~0x1FF
        try handle.seek(toOffset: block + UInt64(cluster * 2))
        try handle.write(contentsOf: Data([UInt8(value >> 8), UInt8(value & 0xFF)]))
    }

    @Test func exitStatusJSONAndTreeFollowWhatTheCheckFinds() throws {
        let scratch = try ScratchFolder()
        let base = scratch.file("base.qcow2").path, top = scratch.file("top.qcow2").path
        let leaky = scratch.file("leaky.qcow2").path
        _ = try qemuImg(["create", "-q", "-f", "qcow2", base, "64M"])
        _ = try Command.run("qemu-io", ["-c", "write -P 7 0 256k", base])
        _ = try qemuImg(["create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top])
        _ = try qemuImg(["create", "-q", "-f", "qcow2", leaky, "64M"])
        let agent = try TestWorld.agentBinary()

        // Healthy: exit 0, zero counts.
        let clean = try Command.run(agent, ["inspect", "--deep", top])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("deep check: 0 corruptions, 0 leaks"), "\(clean.stdout)")

        // A data cluster of the base with refcount 0: corruptions, critical, exit 2,
        // the counts qemu-img check gives, on the base layer of the chain.
        try patchRefcount(base, cluster: 4, to: 0)
        let damaged = try Command.run(agent, ["inspect", "--deep", "--json", top])
        #expect(damaged.status == 2, "\(damaged.stdout)\(damaged.stderr)")
        let chains = try #require(try JSONSerialization.jsonObject(with: Data(damaged.stdout.utf8)) as? [[String: Any]])
        let layers = try #require(chains.first?["layers"] as? [[String: Any]])
        let check = try #require(layers.last?["check"] as? [String: Any], "the base layer has a check: \(layers)")
        let qemu = try qemuImg(["check", "--output=json", base])
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(qemu.stdout.utf8)) as? [String: Any])
        for field in ["corruptions", "leaks", "check-errors", "image-end-offset", "total-clusters", "allocated-clusters"] {
            #expect((check[field] as? Int) == (theirs[field] as? Int ?? 0), "\(field): ours \(check[field] ?? "none"), qemu-img \(theirs[field] ?? 0)")
        }
        #expect((check["corruptions"] as? Int ?? 0) > 0)
        let tree = try Command.run(agent, ["inspect", "--deep", top])
        #expect(tree.stdout.contains("cluster 4: refcount 0, referenced 1"), "the tree names the cluster:\n\(tree.stdout)")
        #expect(tree.stdout.contains("metadata-corruptions"), "\(tree.stdout)")

        // Only a leak (the header's cluster counted twice): a warning, exit 1.
        // Without --deep the same image is healthy.
        try patchRefcount(leaky, cluster: 0, to: 2)
        let leaking = try Command.run(agent, ["inspect", "--deep", leaky])
        #expect(leaking.status == 1 && leaking.stdout.contains("leaked-clusters"), "\(leaking.stdout)\(leaking.stderr)")
        let shallow = try Command.run(agent, ["inspect", leaky])
        #expect(shallow.status == 0, "without --deep only headers are read: \(shallow.stdout)")
    }

    /// A bitmap left in use by a QEMU killed while it had the image open (as
    /// after a crash) is a warning, with or without --deep; in use while a QEMU
    /// has the image open is normal and not reported.
    @Test func aBitmapLeftInUseByAKilledQEMUIsAWarning() throws {
        let scratch = try ScratchFolder()
        let image = scratch.file("backed-up.qcow2").path
        _ = try qemuImg(["create", "-q", "-f", "qcow2", image, "64M"])
        _ = try qemuImg(["bitmap", "--add", image, "incremental"])
        let agent = try TestWorld.agentBinary()
        let clean = try Command.run(agent, ["inspect", "--deep", "--json", image])
        #expect(clean.status == 0 && clean.stdout.contains(#""in-use":false"#), "\(clean.stdout)\(clean.stderr)")

        // qemu-io opens the image read-write: QEMU marks the bitmap in use and locks the file.
        let qemu = try ChildProcess("qemu-io", "/usr/bin/qemu-io", ["-c", "sleep 20000", image], log: scratch.file("qemu-io.log"))
        defer { _ = qemu.stop(signal: SIGKILL) }
        let inUse = try eventually(timeout: .seconds(10)) {
            let run = try Command.run(agent, ["inspect", "--deep", "--json", image])
            return run.stdout.contains(#""in-use":true"#) && run.stdout.contains(#""open-by-qemu":true"#)
        }
        #expect(inUse, "QEMU marked the bitmap in use and holds the image: \(qemu.output)")
        for deep in [["--deep"], []] {
            let running = try Command.run(agent, ["inspect"] + deep + [image])
            #expect(running.status == 0 && !running.stdout.contains("bitmap-not-saved-cleanly"), "in use while open is normal: \(running.stdout)")
        }

        // Killed: the flag stays on disk and nobody holds the image.
        _ = qemu.stop(signal: SIGKILL)
        // The header's bitmap directory is read without --deep too (as the agent reads it every poll).
        for deep in [["--deep"], []] {
            let crashed = try Command.run(agent, ["inspect"] + deep + [image])
            #expect(crashed.status == 1, "\(deep): \(crashed.stdout)\(crashed.stderr)")
            #expect(crashed.stdout.contains("bitmap-not-saved-cleanly") && crashed.stdout.contains("'incremental'"), "\(deep): \(crashed.stdout)")
        }
    }
}
