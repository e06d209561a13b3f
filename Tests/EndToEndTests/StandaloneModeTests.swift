import Foundation
import TestSupport
import Testing

/// `run --master`: the agent as its own SNMP master agent, configured the net-snmp
/// way (the table tests run against this mode too; see Deployment).
@Suite(.serialized) struct StandaloneModeTests {
    static let auth = "virt-test-auth-passphrase", privacy = "virt-test-privacy-passphrase"

    func run(_ arguments: [String]) throws -> Command {
        try Command.run(try TestWorld.agentBinary(), arguments, timeout: .seconds(30))
    }

    @Test func accessComesFromTheConfigurationAsInSnmpdConf() throws {
        try withScratchFolder { folder in
            let port = try TestWorld.freeUDPPort()
            let config = folder.appendingPathComponent("access.conf")
            try """
                view        virtagentx  included  .1.3.6.1.4.1.32473
                rocommunity sesame      127.0.0.1  -V virtagentx
                createUser  virtmonitor SHA-256 "\(Self.auth)" AES "\(Self.privacy)"
                rouser      virtmonitor priv -V virtagentx
                view        virtagentx  included  .1.3.6.1.2.1.1
                sysLocation rack 12, row B

                """.write(to: config, atomically: true, encoding: .utf8)
            let agent = try ChildProcess(
                "virt-agentx", try TestWorld.agentBinary(),
                ["run", "--foreground", "--master", "--listen", "udp:127.0.0.1:\(port)", "--config", config.path,
                 "--connect", try TestWorld.worldURI(), "--state-dir", folder.appendingPathComponent("state").path],
                log: folder.appendingPathComponent("agent.log"))
            defer { agent.stop() }
            let community = SNMPClient(target: "127.0.0.1:\(port)", community: "sesame")
            #expect(eventually(timeout: .seconds(15)) { (try? community.get([Subtree.connectionStatus]))?.first?.value == "1" },
                    "served to the configured community:\n\(agent.output)")
            // The system group, which snmpd would serve: how managers identify the device.
            let system = try community.get(["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.6.0", "1.3.6.1.2.1.1.7.0"])
            #expect(system.first?.value.hasPrefix("virt-agentx: TEST ") == true && system.first?.value.contains(" through libvirt ") == true,
                    "sysDescr: \(system)")
            #expect(system.dropFirst().map(\.value) == [".1.3.6.1.4.1.32473", "rack 12, row B", "72"], "\(system)")
            let upTime = { Int(try community.get(["1.3.6.1.2.1.1.3.0"]).first?.value ?? "") ?? -1 }
            let first = try upTime()
            Thread.sleep(forTimeInterval: 0.3)
            let second = try upTime()
            #expect(first >= 0 && second > first, "sysUpTime runs: \(first) then \(second)")
            let user = SNMPClient(target: "127.0.0.1:\(port)", user: ("virtmonitor", Self.auth, Self.privacy))
            #expect(try user.bulkWalk(Subtree.root).count > 100, "and to the SNMPv3 user, authPriv")
            #expect(throws: HarnessError.self, "a community it was not given gets no answer") {
                try SNMPClient(target: "127.0.0.1:\(port)", community: "public").get([Subtree.connectionStatus])
            }
            #expect(throws: HarnessError.self, "a wrong passphrase gets no answer") {
                try SNMPClient(target: "127.0.0.1:\(port)", user: ("virtmonitor", "wrong-passphrase", Self.privacy)).get([Subtree.connectionStatus])
            }
            // SNMPv3 engine state is kept in the state folder, as snmpd keeps it in its persistent folder.
            agent.stop()
            let persisted = try String(contentsOf: folder.appendingPathComponent("state/net-snmp/virt-agentx.conf"), encoding: .utf8)
            #expect(persisted.contains("engineBoots"), "\(persisted)")
        }
    }

    @Test func aPortInUseIsAClearErrorNotAHang() throws {
        let taken = try SilentUDPSocket()
        let result = try run(["run", "--foreground", "--master", "--listen", "udp:127.0.0.1:\(taken.port)",
                              "--connect", try TestWorld.worldURI(), "--no-state"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot listen on udp:127.0.0.1:\(taken.port)"), "\(result.stderr)")
    }

    @Test func flagsOfTheOtherRoleAreUsageErrors() throws {
        for (arguments, message) in [(["--listen", "udp:1161"], "--listen needs --master"),
                                     (["--master", "-x", "unix:/tmp/x"], "--agentx-socket applies to the AgentX role"),
                                     (["--master", "--agentx-ping-interval", "3"], "--agentx-ping-interval applies to the AgentX role")] {
            let result = try run(["run", "--foreground"] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
