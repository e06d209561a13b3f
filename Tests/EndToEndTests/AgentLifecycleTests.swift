import Foundation
import Testing

/// Starting, stopping and bad input: the agent stops cleanly on signals, waits
/// for a master that is not up yet, and refuses bad flags with a usage error.
@Suite(.serialized) struct AgentLifecycleTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func stopsCleanlyAndUnregisters(signal: Int32) throws {
        let folder = try TestWorld.scratchFolder()
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

    @Test func startsBeforeTheMasterAndRegistersWhenItComesUp() throws {
        let folder = try TestWorld.scratchFolder()
        let socket = "unix:" + folder.appendingPathComponent("agentx.sock").path
        let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: socket)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(agent.process.isRunning, "the agent must wait for its master:\n\(agent.process.output)")
        #expect(agent.process.output.contains("AgentX master not reachable yet"))

        let master = try SNMPMaster(folder: folder)
        try agent.waitUntilServing(through: master)   // reconnects at its next 1 s ping
    }

    @Test func reregistersAfterTheMasterRestarts() throws {
        let folder = try TestWorld.scratchFolder()
        let master = try SNMPMaster(folder: folder)
        let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: master.socket)
        try agent.waitUntilServing(through: master)
        master.stop()
        try master.start()
        try agent.waitUntilServing(through: master)
        #expect(agent.process.isRunning)
    }

    @Test func anUnreachableLibvirtIsServedAsDisconnected() throws {
        let folder = try TestWorld.scratchFolder()
        let master = try SNMPMaster(folder: folder)
        let missing = "test://" + folder.appendingPathComponent("no-such-world.xml").path
        let agent = try AgentProcess(folder: folder, uri: missing, socket: master.socket)
        try agent.waitUntilServing(through: master, status: 2)
        let client = SNMPClient(target: master.target)
        #expect(try client.get([Subtree.domainCount]).first?.value == "0")
        #expect(agent.process.output.contains("no-such-world.xml"), "the log names the URI")
        #expect(agent.process.isRunning)
    }

    @Test(arguments: [
        (["--poll-interval", "0"], "--poll-interval"),
        (["--agentx-ping-interval", "99999"], "--agentx-ping-interval"),
        (["--connect", ""], "--connect"),
        (["--no-such-flag"], "--no-such-flag"),
        (["--log-level", "loud"], "--log-level"),
    ])
    func badFlagsAreUsageErrors(arguments: [String], named: String) throws {
        let folder = try TestWorld.scratchFolder()
        let run = try ChildProcess("virt-agentx", try TestWorld.agentBinary(), ["run", "-f"] + arguments,
                                   log: folder.appendingPathComponent("out.log"))
        #expect(run.waitForExit(timeout: .seconds(10)) == 64, "exit status: EX_USAGE\n\(run.output)")
        #expect(run.output.contains(named), "the message names the flag:\n\(run.output)")
    }
}
