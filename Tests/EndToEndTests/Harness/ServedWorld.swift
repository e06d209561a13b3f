import Foundation
import TestSupport
import Testing

/// How the agent serves SNMP in a test: through a real snmpd over AgentX, or
/// itself as a master agent (`run --master`).
enum Deployment: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case agentx, standalone

    var testDescription: String { self == .agentx ? "through snmpd (AgentX)" : "standalone (--master)" }
}

/// The agent serving the test world by one deployment, and an SNMP client for it.
final class ServedWorld {
    private let scratch: ScratchFolder
    var folder: URL { scratch.url }
    let agent: AgentProcess
    let client: SNMPClient
    /// The snmpd in front of the agent (AgentX deployment only).
    let master: SNMPMaster?

    /// `extra`: more `virt-agentx run` flags (`--poll-interval 1` ...).
    init(_ deployment: Deployment, uri: String? = nil, extra: [String] = []) throws {
        scratch = try ScratchFolder()
        let folder = scratch.url
        let uri = try uri ?? TestWorld.worldURI()
        switch deployment {
        case .agentx:
            let master = try SNMPMaster(folder: folder)
            self.master = master
            agent = try AgentProcess(folder: folder, uri: uri, socket: master.socket, extra: extra)
            client = SNMPClient(target: master.target)
        case .standalone:
            master = nil
            let port = try TestWorld.freeUDPPort()
            agent = try AgentProcess(folder: folder, uri: uri, listenPort: port, extra: extra)
            client = SNMPClient(target: "127.0.0.1:\(port)")
        }
        try agent.waitUntilServing(client)
    }

    /// The agent and snmpd stop before their folder is removed.
    deinit {
        agent.process.stop()
        master?.stop()
    }
}
