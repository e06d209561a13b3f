import Foundation
import MIB
import TestSupport
import Testing

/// Starting, stopping and bad input: the agent stops cleanly on signals, waits
/// for a master that is not up yet, and refuses bad flags with a usage error.
@Suite(.serialized) struct AgentLifecycleTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func stopsCleanlyAndUnregisters(signal: Int32) throws {
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder)
            let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: master.socket)
            try agent.waitUntilServing(through: master)

            #expect(agent.process.stop(signal: signal, timeout: .seconds(10)) == 0,
                    "exit status after signal \(signal):\n\(agent.process.output)")
            #expect(agent.process.output.contains("unregistering"))
            // The master no longer routes the subtree anywhere.
            let client = SNMPClient(target: master.target)
            #expect(try client.get([Subtree.connectionStatus]).first?.value.hasPrefix("No Such Object") == true)
        }
    }

    @Test func startsBeforeTheMasterAndRegistersWhenItComesUp() throws {
        try withScratchFolder { folder in
            let socket = "unix:" + folder.appendingPathComponent("agentx.sock").path
            let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: socket)
            Thread.sleep(forTimeInterval: 1.5)
            #expect(agent.process.isRunning, "the agent must wait for its master:\n\(agent.process.output)")
            #expect(agent.process.output.contains("AgentX master not reachable yet"))

            let master = try SNMPMaster(folder: folder)
            try agent.waitUntilServing(through: master)   // reconnects at its next 1 s ping
        }
    }

    @Test func reregistersAfterTheMasterRestarts() throws {
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder)
            let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: master.socket)
            try agent.waitUntilServing(through: master)
            master.stop()
            try master.start()
            // The agent pings every second (AgentX harness default): served again within ping + 1 s.
            let restarted = ContinuousClock.now
            try agent.waitUntilServing(through: master)
            let took = ContinuousClock.now - restarted
            #expect(took < .seconds(2), "served again \(took) after snmpd came back")
            #expect(agent.process.isRunning)
        }
    }

    @Test func anUnreachableLibvirtIsServedAsDisconnected() throws {
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder)
            let missing = "test://" + folder.appendingPathComponent("no-such-world.xml").path
            let agent = try AgentProcess(folder: folder, uri: missing, socket: master.socket)
            try agent.waitUntilServing(through: master, status: 2)
            let client = SNMPClient(target: master.target)
            #expect(try client.get([Subtree.domainCount]).first?.value == "0")
            #expect(agent.process.output.contains("no-such-world.xml"), "the log names the URI")
            #expect(agent.process.isRunning)
        }
    }

    @Test(arguments: [
        (["--poll-interval", "0"], "--poll-interval"),
        (["--agentx-ping-interval", "99999"], "--agentx-ping-interval"),
        (["--connect", ""], "--connect"),
        (["--no-such-flag"], "--no-such-flag"),
        (["--log-level", "loud"], "--log-level"),
    ])
    func badFlagsAreUsageErrors(arguments: [String], named: String) throws {
        try withScratchFolder { folder in
            let run = try ChildProcess("virt-agentx", try TestWorld.agentBinary(), ["run", "-f"] + arguments,
                                       log: folder.appendingPathComponent("out.log"))
            #expect(run.waitForExit(timeout: .seconds(10)) == 64, "exit status: EX_USAGE\n\(run.output)")
            #expect(run.output.contains(named), "the message names the flag:\n\(run.output)")
        }
    }
}

/// Row indexes survive a restart through the state folder, as ifIndex-like
/// indexes should: Zabbix items keyed by {#SNMPINDEX} keep pointing at the same domain.
@Suite(.serialized) struct RowIndexPersistenceTests {
    @Test func aDomainKeepsItsIndexAcrossRestarts() throws {
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder)
            let client = SNMPClient(target: master.target)
            let full = try TestWorld.worldURI()
            // First run: a world with web1 alone, so web1 gets index 1.
            let lonely = folder.appendingPathComponent("lonely.xml")
            try """
                <node><domain type='test'><name>web1</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
                <memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain></node>
                """.write(to: lonely, atomically: true, encoding: .utf8)
            do {
                let agent = try AgentProcess(folder: folder, uri: "test://" + lonely.path, socket: master.socket)
                try agent.waitUntilServing(through: master)
                #expect(try client.get([Subtree.column(DomainColumns.name) + ".1"]).first?.value == "web1")
                #expect(agent.process.stop() == 0)
            }
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("state/row-indexes.json").path))

            // Second run, full world: web1 keeps 1, the others follow in name order.
            let agent = try AgentProcess(folder: folder, uri: full, socket: master.socket)
            try agent.waitUntilServing(through: master)
            let names = try client.bulkWalk(Subtree.column(DomainColumns.name)).map { ($0.oid.split(separator: ".").last.map(String.init) ?? "", $0.value) }
            #expect(names.map(\.0) == ["1", "2", "3", "4", "5"])
            #expect(names.map(\.1) == ["web1", "backup", "build", "db1", "legacy"])
        }
    }

    @Test func anUnwritableStateFolderCostsOnlyPersistence() throws {
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder)
            let blocker = folder.appendingPathComponent("not-a-folder")
            try Data().write(to: blocker)   // a file where the state folder should be
            let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: master.socket,
                                         extra: ["--state-dir", blocker.appendingPathComponent("state").path])
            try agent.waitUntilServing(through: master)
            #expect(agent.process.isRunning)
            #expect(agent.process.output.contains("cannot save row indexes"))
        }
    }
}

/// virt-agentx.conf, read through net-snmp's parser: bad lines stop the agent
/// with their file and line, SIGHUP reads the file again.
@Suite(.serialized) struct ConfigurationFileTests {
    @Test func aBadLineStopsTheAgentNamingTheFileAndLine() throws {
        try withScratchFolder { folder in
            let config = folder.appendingPathComponent("virt-agentx.conf")
            try "# test\npollInterval fast\n".write(to: config, atomically: true, encoding: .utf8)
            let run = try ChildProcess("virt-agentx", try TestWorld.agentBinary(),
                                       ["run", "-f", "--config", config.path, "--no-state",
                                        "-x", "unix:" + folder.appendingPathComponent("none.sock").path],
                                       log: folder.appendingPathComponent("out.log"))
            #expect(run.waitForExit(timeout: .seconds(10)) == 78, "EX_CONFIG:\n\(run.output)")
            #expect(run.output.contains(config.path) && run.output.contains("line 2"), "\(run.output)")
            #expect(run.output.contains("pollInterval must be 1 to 86400 seconds, not 'fast'"), "\(run.output)")
        }
    }

    @Test func sighupReadsTheFileAgain() throws {
        try withScratchFolder { folder in
            let uri = try MadeWorld.make(in: folder.appendingPathComponent("world"))
            let config = folder.appendingPathComponent("virt-agentx.conf")
            try "pollInterval 300\n".write(to: config, atomically: true, encoding: .utf8)
            let master = try SNMPMaster(folder: folder)
            let agent = try AgentProcess(folder: folder, uri: uri,
                                         socket: master.socket, extra: ["--config", config.path])
            try agent.waitUntilServing(through: master)
            let client = SNMPClient(target: master.target)
            let unhealthy = try client.get([Subtree.scalar(HostScalars.unhealthyChainCount)]).first?.value

            // Damage an image: with a 300 s interval the agent does not look again ...
            let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("world/images/top.qcow2"))
            try handle.seek(toOffset: 79)
            try handle.write(contentsOf: [0x02])
            try handle.close()
            Thread.sleep(forTimeInterval: 2)
            #expect(try client.get([Subtree.scalar(HostScalars.unhealthyChainCount)]).first?.value == unhealthy)
            // ... until SIGHUP brings in a 1 s interval.
            try "pollInterval 1\n".write(to: config, atomically: true, encoding: .utf8)
            kill(agent.process.pid, SIGHUP)
            #expect(try eventually(timeout: .seconds(5)) { try client.get([Subtree.scalar(HostScalars.unhealthyChainCount)]).first?.value != unhealthy },
                    "the new interval took effect:\n\(agent.process.output)")
            #expect(agent.process.output.contains("configuration read again"))
            #expect(agent.process.isRunning)
        }
    }
}
