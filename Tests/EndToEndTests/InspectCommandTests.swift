import Foundation
import TestSupport
import Testing

/// `virt-agentx inspect` as an operator (or a Nagios check) runs it, on images
/// qemu-img makes in a scratch folder: the exit status follows the worst
/// verdict, and `--json` agrees with `qemu-img info --backing-chain`.
@Suite struct InspectCommandTests {
    /// A scratch folder of images, removed when the test is done with it.
    final class Images {
        let scratch: ScratchFolder
        var folder: URL { scratch.url }
        init() throws { scratch = try ScratchFolder() }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// Runs qemu-img; relative backing names resolve against the new image's folder.
        func qemuImg(_ arguments: String...) throws {
            let result = try Command.run("qemu-img", arguments)
            guard result.status == 0 else {
                throw HarnessError("qemu-img \(arguments.joined(separator: " ")): \(result.stderr)")
            }
        }

        /// base <- mid <- top, 1 GiB, with relative names and recorded formats,
        /// as libvirt's external snapshots write them. Returns the top's path.
        func healthyChain() throws -> String {
            try qemuImg("create", "-f", "qcow2", path("base.qcow2"), "1G")
            try qemuImg("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", path("mid.qcow2"))
            try qemuImg("create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", path("top.qcow2"))
            return path("top.qcow2")
        }
    }

    func inspect(_ arguments: [String]) throws -> Command {
        try Command.run(try TestWorld.agentBinary(), ["inspect"] + arguments)
    }

    /// The `--json` output as Foundation objects: one dictionary per image.
    func inspectJSON(_ images: [String]) throws -> (status: Int32, chains: [[String: Any]]) {
        let result = try inspect(["--json"] + images)
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let chains = try #require(parsed as? [[String: Any]], "not an array of objects:\n\(result.stdout)")
        return (result.status, chains)
    }

    @Test func aHealthyChainExitsZero() throws {
        let images = try Images()
        let result = try inspect([try images.healthyChain()])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("base.qcow2"), "the tree names every layer:\n\(result.stdout)")
    }

    /// libvirt's test seed: a backing format that is a protocol (`file`), which
    /// qemu accepts and serves as raw -- a warning, exit 1.
    @Test func aProtocolAsBackingFormatExitsOne() throws {
        let images = try Images()
        try images.qemuImg("create", "-f", "raw", images.path("raw"), "1M")
        let top = images.path("qcow2-protocol-backing-file.qcow2")
        try images.qemuImg("create", "-f", "qcow2", "-F", "file", "-b", "raw", top)
        let (status, chains) = try inspectJSON([top])
        #expect(status == 1)
        let health = try #require(chains.first?["health"] as? [String: Any])
        #expect(health["condition"] as? String == "backing-format-is-protocol")
        #expect(health["severity"] as? String == "warning")
    }

    @Test func aMissingBackingFileExitsTwo() throws {
        let images = try Images()
        let top = try images.healthyChain()
        try FileManager.default.removeItem(atPath: images.path("base.qcow2"))
        let (status, chains) = try inspectJSON([top])
        #expect(status == 2)
        let health = try #require(chains.first?["health"] as? [String: Any])
        #expect(health["condition"] as? String == "missing-backing-file")
        #expect(health["severity"] as? String == "critical")
        #expect(health["layer"] as? Int == 2, "the missing base is the third layer")
    }

    /// Usage errors exit 3 (UNKNOWN to a monitoring system), not ArgumentParser's 64.
    @Test(arguments: [[], ["--max-depth", "0", "/dev/null"]])
    func usageErrorsExitThree(arguments: [String]) throws {
        let result = try inspect(arguments)
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(!result.stderr.isEmpty, "a usage error says what is wrong")
    }

    @Test func jsonHasOneObjectPerImageWithLayersTopToBase() throws {
        let images = try Images()
        let top = try images.healthyChain()
        try images.qemuImg("create", "-f", "qcow2", images.path("alone.qcow2"), "1M")
        let (status, chains) = try inspectJSON([top, images.path("alone.qcow2")])
        #expect(status == 0)
        try #require(chains.count == 2)
        #expect(chains[0]["filename"] as? String == top)
        #expect(chains[1]["filename"] as? String == images.path("alone.qcow2"))
        let layers = try #require(chains[0]["layers"] as? [[String: Any]])
        #expect(layers.compactMap { $0["filename"] as? String }
                == ["top.qcow2", "mid.qcow2", "base.qcow2"].map(images.path))
        #expect((chains[1]["layers"] as? [[String: Any]])?.count == 1)
    }

    /// `-` reads the image paths from standard input, one per line, for scripts
    /// with thousands of images; the output is the same as with arguments.
    @Test func aDashReadsImagePathsFromStandardInput() throws {
        let images = try Images()
        let top = try images.healthyChain()
        try images.qemuImg("create", "-f", "qcow2", images.path("alone.qcow2"), "1M")
        let listed = images.path("list")
        try Data("\(top)\n\n\(images.path("alone.qcow2"))\n".utf8).write(to: URL(fileURLWithPath: listed))
        let viaStdin = try Command.run("/bin/sh", ["-c", "exec \"$0\" inspect --json - < \"$1\"",
                                                   try TestWorld.agentBinary(), listed])
        let viaArguments = try inspect(["--json", top, images.path("alone.qcow2")])
        #expect(viaStdin.status == 0, "\(viaStdin.stderr)")
        #expect(viaStdin.stdout == viaArguments.stdout)
        let chains = try #require(try JSONSerialization.jsonObject(with: Data(viaStdin.stdout.utf8)) as? [[String: Any]])
        #expect(chains.compactMap { $0["filename"] as? String } == [top, images.path("alone.qcow2")])

        let empty = try Command.run("/bin/sh", ["-c", "exec \"$0\" inspect - < /dev/null", try TestWorld.agentBinary()])
        #expect(empty.status == 3, "no paths on stdin is a usage error: \(empty.stdout)\(empty.stderr)")
    }

    /// Many images at once (rendered in parallel batches) come out in the order given.
    @Test func manyImagesKeepTheirOrder() throws {
        let images = try Images()
        let top = try images.healthyChain()
        let paths = (0 ..< 150).map { $0 % 3 == 0 ? top : images.path("missing-\($0).qcow2") }
        let (status, chains) = try inspectJSON(paths)
        #expect(status == 2)
        #expect(chains.compactMap { $0["filename"] as? String } == paths)
    }

    /// Field by field, for the fields both tools have: the inspector's JSON uses
    /// qemu-img's names, so a script can switch from one to the other.
    @Test func jsonAgreesWithQemuImg() throws {
        let images = try Images()
        let top = try images.healthyChain()
        let (_, chains) = try inspectJSON([top])
        let ours = try #require(chains.first?["layers"] as? [[String: Any]])
        let qemu = try Command.run("qemu-img", ["info", "--backing-chain", "--output=json", top])
        try #require(qemu.status == 0, "\(qemu.stderr)")
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(qemu.stdout.utf8)) as? [[String: Any]])
        try #require(ours.count == 3 && theirs.count == 3, "ours: \(ours.count) layers, qemu-img's: \(theirs.count)")
        for (index, (mine, reference)) in zip(ours, theirs).enumerated() {
            for key in ["filename", "format", "backing-filename"] {
                #expect(mine[key] as? String == reference[key] as? String, "layer \(index), \(key)")
            }
            #expect(mine["virtual-size"] as? UInt64 == reference["virtual-size"] as? UInt64, "layer \(index), virtual-size")
            #expect(mine["virtual-size"] as? UInt64 == 1 << 30)
        }
    }
}
