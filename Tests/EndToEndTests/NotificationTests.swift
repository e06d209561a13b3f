import Foundation
import MIB
import TestSupport
import Testing

/// Notifications through a real snmpd (or from the standalone agent, by its
/// trap2sink line) to a real snmptrapd, for a change the test makes itself: a
/// corrupt bit patched into a disk's image.
@Suite(.serialized) struct NotificationTests {
    @Test(arguments: Deployment.allCases) func aCorruptBitSendsChainHealthChangeWithTheDiskRowIndex(_ deployment: Deployment) throws {
        try withScratchFolder { folder in
            // A private world: this test damages one of its images.
            let uri = try MadeWorld.make(in: folder.appendingPathComponent("world"))
            let traps = try TrapReceiver(folder: folder)
            let master: SNMPMaster?, agent: AgentProcess, client: SNMPClient
            switch deployment {
            case .agentx:
                master = try SNMPMaster(folder: folder, trapSink: traps.port)
                agent = try AgentProcess(folder: folder, uri: uri, socket: master!.socket, extra: ["--poll-interval", "1"])
                client = SNMPClient(target: master!.target)
            case .standalone:
                master = nil
                let port = try TestWorld.freeUDPPort()
                agent = try AgentProcess(folder: folder, uri: uri, listenPort: port,
                                         configuration: "trap2sink udp:127.0.0.1:\(traps.port) public", extra: ["--poll-interval", "1"])
                client = SNMPClient(target: "127.0.0.1:\(port)")
            }
            defer { withExtendedLifetime((master, agent)) {} }
            try agent.waitUntilServing(client)

            let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
            let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
            let web1 = try #require(names.first { $0.value == "web1" }?.oid.split(separator: ".").last.map(String.init))
            let row = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(web1 + ".") && $0.value == "vda" }?.key)
            #expect(disks[DiskColumns.chainHealth]?[row] == "1", "web1/vda starts healthy")

            // Set qcow2's corrupt bit (incompatible_features, bit 1) in the top image.
            let image = folder.appendingPathComponent("world/images/top.qcow2")
            let handle = try FileHandle(forWritingTo: image)
            try handle.seek(toOffset: 79)
            try handle.write(contentsOf: [0x02])
            try handle.close()

            let trap = traps.waitFor("1.3.6.1.4.1.32473.0.2") { varbinds in
                varbinds.contains { $0.oid == "\(Subtree.diskEntry).18.\(row)" && $0.value == "6" }
            }
            let varbinds = try #require(trap, "no virtDiskChainHealthChange for web1/vda; received: \(traps.notifications())")
            let values = Dictionary(varbinds.map { ($0.oid, $0.value) }) { a, _ in a }
            #expect(values["\(Subtree.column(DomainColumns.name)).\(web1)"] == "web1")
            #expect(values["\(Subtree.diskEntry).2.\(row)"] == "vda")
            #expect(values["1.3.6.1.4.1.32473.1.8.1.0"] == "1", "previous verdict ok(1)")
            #expect(values["\(Subtree.diskEntry).19.\(row)"] == "4", "critical(4)")
            #expect(values["\(Subtree.diskEntry).20.\(row)"]?.contains("corrupt") == true)
            #expect(try client.get(["\(Subtree.diskEntry).18.\(row)"]).first?.value == "6", "the row says corrupt too")
        }
    }

    @Test func switchedOffKindsAreNotSent() throws {
        try withScratchFolder { folder in
            let uri = try MadeWorld.make(in: folder.appendingPathComponent("world"))
            let traps = try TrapReceiver(folder: folder)
            let master = try SNMPMaster(folder: folder, trapSink: traps.port)
            let agent = try AgentProcess(folder: folder, uri: uri,
                                         socket: master.socket, extra: ["--poll-interval", "1", "--no-notify", "chain-health"])
            try agent.waitUntilServing(through: master)
            let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("world/images/top.qcow2"))
            try handle.seek(toOffset: 79)
            try handle.write(contentsOf: [0x02])
            try handle.close()
            let client = SNMPClient(target: master.target)
            // Wait until the agent has seen the change, then a little longer.
            #expect(try eventually(timeout: .seconds(10)) { (try client.get([Subtree.scalar(HostScalars.unhealthyChainCount)]).first?.value ?? "8") != "8" },
                    "the unhealthy chain count moves past the world's 8")
            Thread.sleep(forTimeInterval: 1)
            #expect(traps.notifications().allSatisfy { $0.oid != "1.3.6.1.4.1.32473.0.2" })
        }
    }
}
