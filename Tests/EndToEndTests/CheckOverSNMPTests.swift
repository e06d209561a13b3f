import Foundation
import TestSupport
import Testing

/// `virt-agentx check` and `show` over SNMP, against a real snmpd configured by
/// integrations/snmpd/virt-agentx-snmpd.conf and the agent serving the test world.
@Suite(.serialized) struct CheckOverSNMPTests {
    static let auth = DeploymentSnippetTests.auth, privacy = DeploymentSnippetTests.privacy

    func run(_ arguments: [String]) throws -> Command {
        try Command.run(try TestWorld.agentBinary(), arguments, timeout: .seconds(60))
    }

    /// snmpd with the deployment snippet and, unless told otherwise, the agent behind it.
    func deployment(agent: Bool = true) throws -> (SNMPMaster, AgentProcess?) {
        let master = try SNMPMaster(owning: try ScratchFolder(), access: try DeploymentSnippetTests.access())
        let folder = master.folder
        guard agent else { return (master, nil) }
        let process = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: master.socket)
        let client = SNMPClient(target: master.target, community: SNMPMaster.testCommunity)
        guard eventually(timeout: .seconds(15), { (try? client.get([Subtree.connectionStatus]))?.first?.value == "1" }) else {
            throw HarnessError("the agent did not serve through snmpd:\n\(process.process.output)")
        }
        return (master, process)
    }

    @Test func everyModeOverSNMPAgreesWithLocal() throws {
        let (master, agent) = try deployment()
        defer { withExtendedLifetime(agent) { master.stop() } }
        let v2c = ["-H", master.target, "-C", SNMPMaster.testCommunity]
        let v3 = ["-H", "127.0.0.1", "-p", "\(master.port)", "-u", "virtmonitor", "-l", "authPriv",
                  "-a", "SHA-256", "-A", Self.auth, "-x", "AES", "-X", Self.privacy]
        let local = ["--local", "--connect", try TestWorld.worldURI()]
        let modes: [[String]] = [
            ["chains", "-v"], ["chains", "--domain", "db1"], ["chains", "--pool", "images", "-w", "0"],
            ["domains", "-v"], ["domains", "--domain", "build"], ["pools"], ["pools", "-c", "@0:1"], ["jobs"],
        ]
        for mode in modes {
            let expected = try run(["check"] + mode + local)
            #expect((0...2).contains(expected.status), "\(mode): \(expected.stdout)")
            for credentials in [v2c, v3] {
                let remote = try run(["check"] + mode + credentials)
                #expect(remote.status == expected.status, "\(mode) \(credentials.first(where: { $0 == "-u" }) ?? "v2c")")
                #expect(remote.stdout == expected.stdout, "\(mode): over SNMP\n\(remote.stdout)\nlocally\n\(expected.stdout)")
            }
        }
        // The statuses themselves, so that agreement is not agreement on nothing.
        let chains = try run(["check", "chains"] + v2c)
        #expect(chains.status == 2 && chains.stdout.hasPrefix("VIRT CHAINS CRITICAL - 8 of 13 chains unhealthy"), "\(chains.stdout)")
        #expect(chains.stdout.hasSuffix("| unhealthy=8;;;0; chains=13;;;0; deep_checked=0;;;0; corruptions=0;;;0; leaks=0;;;0;\n"))
        #expect(try run(["check", "domains", "--domain", "build"] + v3).status == 1, "paused")
        #expect(try run(["check", "pools", "-c", "@0:1"] + v2c).status == 2)

        let agentCheck = try run(["check", "agent"] + v3)
        #expect(agentCheck.status == 0, "\(agentCheck.stdout)")
        #expect(agentCheck.stdout.hasPrefix("VIRT AGENT OK - libvirt connected (\(try TestWorld.worldURI()))"))
        #expect(agentCheck.stdout.contains("| data_age="))
        // The data's age within a critical range: the threshold is applied.
        #expect(try run(["check", "agent", "-c", "@0:100000"] + v2c).status == 2)
    }

    @Test func agentModeIsCriticalWhenTheAgentIsNotBehindSnmpd() throws {
        let (master, _) = try deployment(agent: false)
        defer { master.stop() }
        let v2c = ["-H", master.target, "-C", SNMPMaster.testCommunity]
        let agent = try run(["check", "agent"] + v2c)
        #expect(agent.status == 2, "\(agent.stdout)")
        #expect(agent.stdout.hasPrefix("VIRT AGENT CRITICAL - virt-agentx is not registered with snmpd at \(master.target)"))
        let chains = try run(["check", "chains"] + v2c)
        #expect(chains.status == 3, "the other modes cannot tell: \(chains.stdout)")
        #expect(chains.stdout.contains("serves nothing under VIRT-AGENTX-MIB"))
    }

    @Test func unknownWhenSNMPGetsNoUsableAnswer() throws {
        let (master, agent) = try deployment()
        defer { withExtendedLifetime(agent) { master.stop() } }
        func expectUnknown(_ arguments: [String], _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let result = try run(["check", "chains", "-t", "2"] + arguments)
            #expect(result.status == 3, "\(arguments): \(result.stdout)", sourceLocation: sourceLocation)
            #expect(result.stdout.hasPrefix("VIRT CHAINS UNKNOWN - ") && result.stdout.contains(reason),
                    "\(arguments): \(result.stdout)", sourceLocation: sourceLocation)
        }
        // snmpd drops a wrong community silently: only the timeout can tell.
        try expectUnknown(["-H", master.target, "-C", "wrong-community"], "no SNMP response from \(master.target)")
        let closed = try TestWorld.freeUDPPort()
        try expectUnknown(["-H", "127.0.0.1:\(closed)"], "no SNMP response from 127.0.0.1:\(closed)")
        let silent = try SilentUDPSocket()
        try expectUnknown(["-H", "127.0.0.1", "-p", "\(silent.port)"], "no SNMP response from 127.0.0.1:\(silent.port) within 1.6 s")
        try expectUnknown(["-H", master.target, "-u", "virtmonitor", "-A", "wrong-passphrase", "-X", Self.privacy, "-a", "SHA-256"],
                          "SNMPv3 authentication failed for user virtmonitor")
        try expectUnknown(["-H", master.target, "-u", "nobody", "-l", "noAuthNoPriv"], "knows no SNMPv3 user nobody")
        try expectUnknown(["-H", "no-such-host.invalid"], "no-such-host.invalid")
        // Usage errors are UNKNOWN too, and name the fix.
        for arguments in [["-H", master.target, "--local"], ["-H", master.target, "-u", "x", "-C", "c"],
                          ["-H", master.target, "-u", "x", "-A", "short"], ["-H", master.target, "-p", "70000"],
                          ["--local", "-C", "public"]] {
            let result = try run(["check", "chains"] + arguments)
            #expect(result.status == 3, "\(arguments)")
            #expect(result.stderr.contains("Error: "), "\(arguments): \(result.stderr)")
        }
    }

    @Test func passphrasesAndCommunitiesDoNotShowInPs() throws {
        let silent = try SilentUDPSocket()
        try withScratchFolder { folder in
            let secret = "secret-auth-passphrase"
            for credentials in [["-u", "someone", "-A", secret], ["--community=\(secret)"]] {
                let check = try ChildProcess("check", try TestWorld.agentBinary(),
                                             ["check", "chains", "-t", "5", "-H", "127.0.0.1:\(silent.port)"] + credentials,
                                             log: folder.appendingPathComponent("check.log"))
                defer { check.stop() }
                let commandLine = { (try? String(contentsOfFile: "/proc/\(check.pid)/cmdline", encoding: .utf8)) ?? "" }
                // Waiting on the silent agent, the check has long parsed its arguments.
                #expect(eventually(timeout: .seconds(3)) { commandLine().contains("127.0.0.1:\(silent.port)") })
                Thread.sleep(forTimeInterval: 0.5)
                #expect(!commandLine().contains(secret), "\(credentials): \(commandLine())")
                #expect(check.isRunning, "still waiting, so the command line read was the live one")
            }
        }
    }

    @Test func showReadsTheSameTablesOverSNMPAsLocally() throws {
        let (master, agent) = try deployment()
        defer { withExtendedLifetime(agent) { master.stop() } }
        // Domains and interfaces carry the test driver's clock-driven counters: compare the storage tables.
        let parts = ["disks", "layers", "pools", "volumes", "--color", "never"]
        let remote = try run(["show"] + parts + ["-H", master.target, "-C", SNMPMaster.testCommunity])
        let local = try run(["show"] + parts + ["--local", "--connect", try TestWorld.worldURI()])
        #expect(remote.status == 0 && local.status == 0, "\(remote.stderr)\(local.stderr)")
        #expect(remote.stdout == local.stdout, "over SNMP\n\(remote.stdout)\nlocally\n\(local.stdout)")
        let legacy = remote.stdout.split(separator: "\n").first { $0.hasPrefix("legacy  vdb") }
        #expect(legacy?.contains("corrupt") == true, "\(remote.stdout)")
        #expect(!remote.stdout.contains("\u{1B}["), "no colour when told never")
    }

    @Test func showHighlightsAndFilters() throws {
        let local = ["--local", "--connect", try TestWorld.worldURI()]
        let all = try run(["show"] + local + ["--color", "always"])
        #expect(all.status == 0, "\(all.stderr)")
        for title in ["Domains", "Disks", "Pools", "Volumes"] { #expect(all.stdout.contains("\n\(title)\n"), "\(title)") }
        #expect(all.stdout.contains("\u{1B}[1;31mcorrupt\u{1B}[0m"), "critical verdicts in bold red")
        #expect(all.stdout.contains("\u{1B}[32mok\u{1B}[0m"), "healthy chains in green")
        let problems = try run(["show", "disks", "volumes", "--problems", "--color", "never"] + local)
        let rows = problems.stdout.split(separator: "\n").filter { !$0.hasPrefix("Disks") && !$0.hasPrefix("Volumes") && !$0.hasPrefix("Domain") && !$0.hasPrefix("Pool ") }
        #expect(rows.count == 8, "the 8 unhealthy chains only:\n\(problems.stdout)")
        #expect(!rows.contains { $0.contains("  ok  ") })
        let unreachable = try run(["show", "--local", "--connect", "test:///nonexistent/world.xml"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("libvirt not reachable at test:///nonexistent/world.xml"))
        #expect(try run(["show"]).status == 64, "no source named: a usage error")
    }
}
