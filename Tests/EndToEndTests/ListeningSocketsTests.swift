import Foundation
import TestSupport
import Testing

/// No stray listeners: in either role the agent opens no socket but the ones its
/// configuration names, as `ss` sees them. Standalone, that is the --listen
/// addresses and nothing else (net-snmp's SMUX module would add TCP *:199);
/// through snmpd, nothing listening at all and one connection, to snmpd's AgentX
/// socket. libvirt's test driver needs no socket; with qemu:///system there would
/// also be one connection to libvirt's read-only socket.
@Suite(.serialized,
       .enabled(if: SocketTable.requirement.shouldRun, Comment(rawValue: SocketTable.requirement.skipReason)))
struct ListeningSocketsTests {
    @Test func standaloneListensOnTheConfiguredAddressesOnly() throws {
        let ss = try SocketTable.requireSS()
        try withScratchFolder { folder in
            let udp = try TestWorld.freeUDPPort(), tcp = try TestWorld.freeTCPPort()
            let config = folder.appendingPathComponent("virt-agentx.conf")
            try "rocommunity public 127.0.0.1\n".write(to: config, atomically: true, encoding: .utf8)
            let agent = try ChildProcess(
                "virt-agentx", try TestWorld.agentBinary(),
                ["run", "--foreground", "--master", "--listen", "udp:127.0.0.1:\(udp),tcp:127.0.0.1:\(tcp)",
                 "--config", config.path, "--connect", try TestWorld.worldURI(), "--log-level", "debug",
                 "--state-dir", folder.appendingPathComponent("state").path],
                log: folder.appendingPathComponent("agent.log"))
            defer { agent.stop() }
            let client = SNMPClient(target: "127.0.0.1:\(udp)")
            #expect(eventually(timeout: .seconds(15)) { (try? client.get([Subtree.connectionStatus]))?.first?.value == "1" },
                    "served on udp:127.0.0.1:\(udp):\n\(agent.output)")
            let walked = try client.bulkWalk(Subtree.root)   // the sockets are listed after a walk, not only at start
            #expect(walked.count > 100)

            let sockets = try SocketTable.read(ss).opened(by: agent.pid)
            let listening = Set(sockets.filter { $0.isListening }.map { $0.summary })
            #expect(listening == ["udp 127.0.0.1:\(udp)", "tcp 127.0.0.1:\(tcp)"],
                    "the agent listens on exactly its --listen addresses:\n\(sockets.report)")
            #expect(sockets.allSatisfy { $0.isListening }, "and has no other socket open:\n\(sockets.report)")
        }
    }

    @Test func aSubagentListensNowhereAndTalksOnlyToItsMaster() throws {
        let ss = try SocketTable.requireSS()
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder)
            let agent = try AgentProcess(folder: folder, uri: try TestWorld.worldURI(), socket: master.socket)
            try agent.waitUntilServing(through: master)
            let walked = try SNMPClient(target: master.target).bulkWalk(Subtree.root)
            #expect(walked.count > 100)

            let table = try SocketTable.read(ss)
            let sockets = table.opened(by: agent.process.pid)
            #expect(!sockets.contains { $0.isListening }, "a subagent listens nowhere:\n\(sockets.report)")
            // Its one socket is a unix stream whose other end is snmpd's AgentX socket.
            let agentxPath = String(master.socket.dropFirst("unix:".count))
            let connection = try #require(sockets.first, "no AgentX connection:\n\(sockets.report)")
            let peer = table.peer(of: connection)
            #expect(sockets.count == 1 && connection.netid == "u_str" && connection.state == "ESTAB" && peer?.local == agentxPath,
                    "one connection, to the AgentX socket \(agentxPath):\n\(sockets.report)\nits peer: \(peer?.line ?? "none")")
        }
    }
}

/// The sockets `ss -H -a -n -p` lists: every family, listening and connected.
struct SocketTable {
    struct Socket {
        var netid: String
        var state: String
        var local: String
        var peer: String
        /// A unix socket's inode, and its peer's: how a connection's two ends are matched.
        var localInode: String?
        var peerInode: String?
        var line: String

        /// Open to whoever sends or connects: a TCP or unix listener, or a bound UDP / datagram socket with no peer.
        var isListening: Bool {
            state == "LISTEN" || (state == "UNCONN" && peer.hasSuffix("*") && !local.hasSuffix(":0") && local != "*")
        }
        var summary: String { "\(netid) \(local)" }
        func isHeld(by pid: pid_t) -> Bool { line.contains("pid=\(pid),") }
    }

    let all: [Socket]

    /// The sockets `pid` holds, less those this test process holds too: a child
    /// inherits its parent's descriptors not marked close-on-exec (the test
    /// runner's own socket pairs), and those are not the agent's doing.
    func opened(by pid: pid_t) -> [Socket] {
        all.filter { $0.isHeld(by: pid) && !$0.isHeld(by: getpid()) }
    }

    /// The other end of a unix connection, found by its inode.
    func peer(of socket: Socket) -> Socket? {
        guard let inode = socket.peerInode, inode != "0" else { return nil }
        return all.first { $0.netid == socket.netid && $0.localInode == inode }
    }

    static let ss: String? = ["/usr/bin/ss", "/bin/ss", "/usr/sbin/ss", "/sbin/ss"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Skipped without `ss`, saying so; in CI a missing `ss` fails the tests instead.
    static let requirement = Requirement(
        "the socket tests",
        unavailableReason: ss == nil ? "ss is not installed (Debian package iproute2; scripts/setup installs it): the agent's sockets were not checked" : nil)

    /// The path of `ss`; in CI (where the suite is not skipped) a missing `ss` fails the test with the reason.
    static func requireSS() throws -> String {
        try requirement.require()
        return try #require(ss)
    }

    static func read(_ ss: String) throws -> SocketTable {
        let result = try Command.run(ss, ["-H", "-a", "-n", "-p"])
        guard result.status == 0 else { throw HarnessError("ss -H -a -n -p failed (\(result.status)): \(result.stderr)") }
        return SocketTable(all: result.stdout.split(separator: "\n").compactMap { parse(String($0)) })
    }

    /// `NETID STATE RECV-Q SEND-Q LOCAL PEER [PROCESS]`, where a unix socket's
    /// LOCAL and PEER are each two columns, a path (or `*`) and an inode.
    static func parse(_ line: String) -> Socket? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count >= 6 else { return nil }
        if fields[0].hasPrefix("u_"), fields.count >= 8 {
            return Socket(netid: fields[0], state: fields[1], local: fields[4], peer: fields[6],
                          localInode: fields[5], peerInode: fields[7], line: line)
        }
        return Socket(netid: fields[0], state: fields[1], local: fields[4], peer: fields[5], line: line)
    }
}

extension Array where Element == SocketTable.Socket {
    var report: String { isEmpty ? "(no sockets)" : map(\.line).joined(separator: "\n") }
}
