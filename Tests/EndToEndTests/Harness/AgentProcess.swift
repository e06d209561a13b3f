import Foundation
import MIB
import VirtModel
import TestSupport

/// The real `virt-agentx run` process, talking to a test master over AgentX.
final class AgentProcess {
    let process: ChildProcess

    /// Background deep checks stay off unless a test is about them: each one that
    /// finishes refreshes the tables, and the chains' verdicts then include it.
    static func deepCheckArguments(_ on: Bool) -> [String] { on ? [] : ["--deep-check-interval", "0"] }

    init(folder: URL, uri: String, socket: String, deepChecks: Bool = false, extra: [String] = []) throws {
        process = try ChildProcess(
            "virt-agentx", try TestWorld.agentBinary(),
            ["run", "--foreground", "--connect", uri, "--agentx-socket", socket,
             "--agentx-ping-interval", "1", "--log-level", "debug",
             "--state-dir", folder.appendingPathComponent("state").path] + Self.deepCheckArguments(deepChecks) + extra,
            log: folder.appendingPathComponent("agent.log"))
    }

    /// The agent as its own master agent on 127.0.0.1:`listenPort`, readable with
    /// the community `public` (granted in a configuration file the net-snmp way);
    /// `configuration` adds lines to that file.
    init(folder: URL, uri: String, listenPort: UInt16, configuration: String = "", deepChecks: Bool = false,
         extra: [String] = []) throws {
        let config = folder.appendingPathComponent("virt-agentx.conf")
        try "rocommunity public 127.0.0.1\n\(configuration)\n".write(to: config, atomically: true, encoding: .utf8)
        process = try ChildProcess(
            "virt-agentx", try TestWorld.agentBinary(),
            ["run", "--foreground", "--master", "--listen", "udp:127.0.0.1:\(listenPort)", "--config", config.path,
             "--connect", uri, "--log-level", "debug",
             "--state-dir", folder.appendingPathComponent("state").path] + Self.deepCheckArguments(deepChecks) + extra,
            log: folder.appendingPathComponent("agent.log"))
    }

    /// Waits until the agent serves the given connection status through `master`.
    func waitUntilServing(through master: SNMPMaster, status: Int = 1) throws {
        try waitUntilServing(SNMPClient(target: master.target), status: status)
    }

    /// Waits until `client` reads the given connection status from the agent.
    func waitUntilServing(_ client: SNMPClient, status: Int = 1) throws {
        let served = eventually(timeout: .seconds(15)) {
            guard process.isRunning else { return false }
            return (try? client.get([Subtree.connectionStatus]))?.first?.value == "\(status)"
        }
        guard served else {
            throw HarnessError("the agent did not serve connection status \(status) to \(client.target):\n\(process.output)")
        }
    }

    deinit { process.stop() }
}

/// Numeric OIDs of VIRT-AGENTX-MIB as the tests use them (no MIB files needed).
enum Subtree {
    static let root = "1.3.6.1.4.1.32473"
    static let host = root + ".1.1"
    static let domainEntry = root + ".1.2.1"
    static let connectionStatus = scalar(HostScalars.connectionStatus)
    static let domainCount = scalar(HostScalars.domainCount)
    static let diskEntry = root + ".1.3.1"
    static let layerEntry = root + ".1.4.1"
    static let interfaceEntry = root + ".1.5.1"
    static let poolEntry = root + ".1.6.1"
    static let volumeEntry = root + ".1.7.1"
    /// A host scalar's instance, by its handle in the MIB.
    static func scalar(_ scalar: Scalar) -> String { "\(host).\(scalar.subID).0" }
    /// A virtDomainTable column, by its handle in the MIB.
    static func column(_ column: Column<Domain>) -> String { "\(domainEntry).\(column.subID)" }
}
