import Foundation
import MIB
import TestSupport
import Testing

/// The agent's background deep checks through a real snmpd, on a private
/// test-driver world whose images the test damages before the agent starts:
/// a corruption in a backing file of a running domain (web1's mid.qcow2), a
/// leak in the base below it. The default poll interval (30 s) stays: a check
/// that finishes refreshes the tables and sends the change itself.
@Suite(.serialized) struct DeepCheckAgentTests {
    /// VirtDeepCheckState numbers, as the MIB defines them.
    enum State: String { case checked = "3", skippedInUse = "6" }

    @Test func damagedFilesShowTheirCountsAndTheChainVerdictFollows() throws {
        try withScratchFolder { folder in
            let uri = try MadeWorld.make(in: folder.appendingPathComponent("world"))
            let images = folder.appendingPathComponent("world/images")
            let mid = images.appendingPathComponent("mid.qcow2").path, base = images.appendingPathComponent("base.qcow2").path
            try QCow2Damage.setHeaderRefcount(of: mid, to: 0)
            try QCow2Damage.setHeaderRefcount(of: base, to: 2)
            let qemuMid = try QCow2Damage.qemuCounts(of: mid), qemuBase = try QCow2Damage.qemuCounts(of: base)
            #expect(qemuMid.corruptions > 0 && qemuBase.leaks > 0, "qemu-img check sees the damage: \(qemuMid) \(qemuBase)")

            let traps = try TrapReceiver(folder: folder)
            let master = try SNMPMaster(folder: folder, trapSink: traps.port)
            let agent = try AgentProcess(folder: folder, uri: uri, socket: master.socket, deepChecks: true,
                                         extra: ["--deep-check-rate", "64"])
            defer { withExtendedLifetime((master, agent)) {} }
            let client = SNMPClient(target: master.target)
            try agent.waitUntilServing(client)

            let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
            let web1 = try #require(names.first { $0.value == "web1" }?.oid.split(separator: ".").last.map(String.init))
            let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
            let vda = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(web1 + ".") && $0.value == "vda" }?.key)

            // The chain-health change arrives as a notification, without waiting for the next poll.
            let trap = traps.waitFor("1.3.6.1.4.1.32473.0.2", timeout: .seconds(20)) { varbinds in
                varbinds.contains { $0.oid == "\(Subtree.diskEntry).18.\(vda)" && $0.value == "21" }
            }
            #expect(trap != nil, "no virtDiskChainHealthChange to metadataCorruptions(21) for web1/vda:\n\(traps.notifications())\n\(agent.process.output.suffix(3000))")

            // And the deep check's own notifications, with the counts.
            let corruptions = "\(Subtree.diskEntry).\(DiskColumns.corruptions.subID).\(vda)"
            let diskTrap = traps.waitFor("1.3.6.1.4.1.32473.0.9", timeout: .seconds(20)) { varbinds in
                varbinds.contains { $0.oid == corruptions && $0.value == "\(qemuMid.corruptions)" }
            }
            #expect(diskTrap != nil, "no virtDiskDeepCheckChange for web1/vda: \(traps.notifications())")
            let volumeTrap = traps.waitFor("1.3.6.1.4.1.32473.0.10", timeout: .seconds(20)) { varbinds in
                varbinds.contains { $0.oid.hasPrefix("\(Subtree.volumeEntry).\(VolumeColumns.name.subID).") && $0.value == "base.qcow2" }
            }
            let leaks = volumeTrap?.first { $0.oid.hasPrefix("\(Subtree.volumeEntry).\(VolumeColumns.leakedClusters.subID).") }?.value
            #expect(leaks == "\(qemuBase.leaks)", "virtVolumeDeepCheckChange for base.qcow2 with its leaks: \(traps.notifications())")

            let disk = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
            #expect(disk[DiskColumns.chainHealth]?[vda] == "21" && disk[DiskColumns.chainSeverity]?[vda] == "4",
                    "corruptions make the chain critical: \(disk[DiskColumns.chainDetail]?[vda] ?? "")")
            #expect(disk[DiskColumns.corruptions]?[vda] == "\(qemuMid.corruptions)", "qemu-img check's corruptions")
            #expect(disk[DiskColumns.leakedClusters]?[vda] == "\(qemuBase.leaks)", "qemu-img check's leaks")
            #expect(disk[DiskColumns.deepCheckState]?[vda] == State.skippedInUse.rawValue,
                    "web1 runs: its top image is in use, and left alone")

            let layers = try client.bulkWalk(Subtree.layerEntry).table(VirtAgentxMIB.chainLayerTable)
            #expect(layers[LayerColumns.deepCheckState]?["\(vda).0"] == State.skippedInUse.rawValue)
            #expect(layers[LayerColumns.deepCheckState]?["\(vda).1"] == State.checked.rawValue)
            #expect(layers[LayerColumns.corruptions]?["\(vda).1"] == "\(qemuMid.corruptions)")
            #expect(layers[LayerColumns.leakedClusters]?["\(vda).2"] == "\(qemuBase.leaks)")
            let checkedAt = try client.get(["\(Subtree.layerEntry).\(LayerColumns.lastDeepCheck.subID).\(vda).1",
                                            "\(Subtree.layerEntry).\(LayerColumns.lastDeepCheck.subID).\(vda).0"])
            #expect(checkedAt[0].value != checkedAt[1].value, "a checked layer has a time, the skipped one the zero date: \(checkedAt)")

            // The pool's volumes: the same files, the same counts.
            let volumes = try client.bulkWalk(Subtree.volumeEntry).table(VirtAgentxMIB.volumeTable)
            let byName = Dictionary(uniqueKeysWithValues: (volumes[VolumeColumns.name] ?? [:]).map { ($0.value, $0.key) })
            let midRow = try #require(byName["mid.qcow2"]), baseRow = try #require(byName["base.qcow2"])
            let topRow = try #require(byName["top.qcow2"])
            #expect(volumes[VolumeColumns.corruptions]?[midRow] == "\(qemuMid.corruptions)")
            #expect(volumes[VolumeColumns.chainHealth]?[midRow] == "21")
            #expect(volumes[VolumeColumns.leakedClusters]?[baseRow] == "\(qemuBase.leaks)")
            #expect(volumes[VolumeColumns.chainHealth]?[baseRow] == "22", "leakedClusters(22)")
            #expect(volumes[VolumeColumns.chainSeverity]?[baseRow] == "3", "leaks are a warning")
            #expect(volumes[VolumeColumns.deepCheckState]?[topRow] == State.skippedInUse.rawValue, "the running domain's top image")

            // show and check chains read the same columns.
            let show = try Command.run(try TestWorld.agentBinary(), ["show", "volumes", "--color", "never", "-H", master.target, "-C", "public"])
            #expect(show.stdout.contains("\(qemuMid.corruptions) corrupt"), "\(show.stdout)\(show.stderr)")
            let check = try Command.run(try TestWorld.agentBinary(), ["check", "chains", "-H", master.target, "-C", "public"])
            // Summed over the disks' and volumes' chains, as the columns serve them.
            let served = (disk[DiskColumns.corruptions] ?? [:]).values.compactMap { Int($0) }.reduce(0, +)
                + (volumes[VolumeColumns.corruptions] ?? [:]).values.compactMap { Int($0) }.reduce(0, +)
            #expect(served >= 2 * qemuMid.corruptions, "web1/vda, volume mid.qcow2 and the volumes above it")
            #expect(check.status == 2 && check.stdout.contains("corruptions=\(served)"), "\(check.stdout)\(check.stderr)")
        }
    }
}
