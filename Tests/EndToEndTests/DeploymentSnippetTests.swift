import Foundation
import TestSupport
import Testing

/// integrations/snmpd/virt-agentx-snmpd.conf as an admin would use it: its
/// community and its SNMPv3 user read the agent's subtree and the system group,
/// and nothing else of the host.
@Suite(.serialized) struct DeploymentSnippetTests {
    static let auth = "virt-test-auth-passphrase", privacy = "virt-test-privacy-passphrase"

    /// The snippet with its CHANGE-MEs filled in and the socket made private; its
    /// `master` and `agentXSocket` lines are the harness's own.
    static func access(source: String = "127.0.0.1") throws -> String {
        let snippet = try String(contentsOf: Repository.file("integrations/snmpd/virt-agentx-snmpd.conf"),
                                 encoding: .utf8)
        return snippet.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("master") && !$0.hasPrefix("agentXSocket") && !$0.hasPrefix("agentXPerms") }
            .joined(separator: "\n")
            .replacingOccurrences(of: "CHANGE-ME-community", with: SNMPMaster.testCommunity)
            .replacingOccurrences(of: "192.0.2.0/24", with: source)
            .replacingOccurrences(of: "CHANGE-ME-auth-passphrase", with: auth)
            .replacingOccurrences(of: "CHANGE-ME-privacy-passphrase", with: privacy)
    }

    @Test func theCommunityAndTheUserSeeTheSubtreeAndNothingElse() throws {
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder, access: try Self.access())
            let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: master.socket)
            let v2c = SNMPClient(target: master.target, community: SNMPMaster.testCommunity)
            #expect(eventually(timeout: .seconds(15)) { (try? v2c.get([Subtree.connectionStatus]))?.first?.value == "1" },
                    "served through the snippet's view:\n\(agent.process.output)")
            let v3 = SNMPClient(target: master.target, user: ("virtmonitor", Self.auth, Self.privacy))

            for client in [v2c, v3] {
                let walk = try client.bulkWalk(Subtree.root)
                #expect(walk.count > 100, "the whole subtree")
                #expect(try client.get(["1.3.6.1.2.1.1.3.0"]).first?.isValue == true, "sysUpTime for discovery")
                // ifNumber.0 is outside the view: snmpd answers as if it did not exist.
                #expect(try client.get(["1.3.6.1.2.1.2.1.0"]).first?.isValue == false, "nothing outside the view")
            }
            // The wrong community, or a wrong passphrase, gets nothing.
            #expect(throws: HarnessError.self) { try SNMPClient(target: master.target, community: "public").get([Subtree.connectionStatus]) }
            #expect(throws: HarnessError.self) {
                try SNMPClient(target: master.target, user: ("virtmonitor", "wrong-passphrase", Self.privacy)).get([Subtree.connectionStatus])
            }
        }
    }
}
