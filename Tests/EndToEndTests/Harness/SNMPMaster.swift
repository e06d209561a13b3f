import Foundation
import TestSupport

/// A private `snmpd` master agent: loopback UDP on a free port, AgentX on a
/// unix socket, config and state in the test's own folder.
final class SNMPMaster {
    let folder: URL
    let port: UInt16
    var socket: String { "unix:" + folder.appendingPathComponent("agentx.sock").path }
    var target: String { "127.0.0.1:\(port)" }
    private var process: ChildProcess?
    /// The folder's owner, when the master was given one of its own: removed with the master.
    private let scratch: ScratchFolder?

    /// Where snmpd forwards notifications (`trap2sink`), if anywhere.
    let trapSink: UInt16?

    /// Configuration lines used instead of the open `rocommunity public` (access rules under test).
    let access: String?

    /// Starts snmpd and waits until it answers.
    init(folder: URL, port: UInt16? = nil, trapSink: UInt16? = nil, access: String? = nil) throws {
        self.folder = folder
        scratch = nil
        self.port = try port ?? TestWorld.freeUDPPort()
        self.trapSink = trapSink
        self.access = access
        try start()
    }

    /// The same in a scratch folder of its own, removed (after snmpd stopped) when the master goes.
    init(owning scratch: ScratchFolder, port: UInt16? = nil, trapSink: UInt16? = nil, access: String? = nil) throws {
        folder = scratch.url
        self.scratch = scratch
        self.port = try port ?? TestWorld.freeUDPPort()
        self.trapSink = trapSink
        self.access = access
        try start()
    }

    func start() throws {
        let persist = folder.appendingPathComponent("persist")
        try FileManager.default.createDirectory(at: persist, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("snmpd.conf")
        try """
            agentaddress  udp:127.0.0.1:\(port)
            master        agentx
            agentXSocket  \(socket)
            agentXPerms   0660 0700
            \(access ?? "rocommunity   public 127.0.0.1")
            \(trapSink.map { "trap2sink     udp:127.0.0.1:\($0) public" } ?? "")

            """.write(to: config, atomically: true, encoding: .utf8)
        process = try ChildProcess(
            "snmpd", "/usr/sbin/snmpd",
            ["-f", "-Lo", "-C", "-c", config.path, "-p", folder.appendingPathComponent("snmpd.pid").path,
             "-I", "-smux"],
            environment: ["SNMP_PERSISTENT_DIR": persist.path, "MIBS": ""],
            log: folder.appendingPathComponent("snmpd.log"))
        let client = SNMPClient(target: target, community: access == nil ? "public" : Self.testCommunity)
        guard eventually(timeout: .seconds(10), { (try? client.get(["1.3.6.1.2.1.1.3.0"]))?.first?.isValue == true })
        else {
            throw HarnessError("snmpd did not answer on \(target):\n\(process?.output ?? "")")
        }
    }

    /// Stops snmpd by PID.
    func stop() {
        process?.stop()
        process = nil
    }

    deinit { stop() }

    /// The community the deployment snippet test puts in for CHANGE-ME-community.
    static let testCommunity = "virt-test-community"
}
