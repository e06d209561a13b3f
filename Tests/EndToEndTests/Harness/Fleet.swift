import Foundation
import TestSupport

/// Hypervisors as network namespaces the test makes: a manager namespace and,
/// per host, a namespace joined to it by a veth pair with addresses of the
/// test's own (10.231.N.1 on the manager side, 10.231.N.2 on the host's; no
/// address outside the namespaces). Each host runs the agent standalone on its
/// own test-driver world (`make-scale-world` with a host prefix: its own
/// domain names and UUIDs, and a broken data disk on every second domain).
/// Namespaces (and with them the veths) and processes are removed by `stop()`
/// or when the fleet dies.
final class Fleet {
    struct Host {
        let number: Int
        let namespace: String
        let address: String
        let domains: Int
        /// Domains whose data disk's backing file is missing.
        let brokenChains: Int
        var agent: ChildProcess?
        let port: Int
        var target: String { "\(address):\(port)" }
        var prefix: String { "h\(number)-" }
    }

    static let agentPort = 1161
    static let ip = "/usr/sbin/ip"
    static let requirement = Requirement("the fleet tests", unavailableReason: {
        guard getuid() == 0 else { return "they make network namespaces: run as root (CI does)" }
        guard FileManager.default.isExecutableFile(atPath: ip) else { return "\(ip) not found: install iproute2" }
        return nil
    }())

    let folder: ScratchFolder
    let manager: String
    /// A namespace for a manager's server, joined to the manager namespace
    /// (10.231.100.1 there, 10.231.100.2 on the manager side); nil without one.
    let server: String?
    static let serverAddress = "10.231.100.1"
    /// Hosts serve through snmpd (AgentX, the snippet's SNMPv3 user) on UDP 161,
    /// instead of the agent standalone on ``agentPort``.
    let behindSNMPD: Bool
    private(set) var hosts: [Host] = []
    private var namespaces: [String] = []
    private var snmpds: [Int: ChildProcess] = [:]

    /// `count` hosts; host N has 2N + 1 domains.
    init(hosts count: Int, behindSNMPD: Bool = false, withServer: Bool = false) throws {
        folder = try ScratchFolder(prefix: "virt-agentx-fleet")
        let tag = "vax\(getpid() % 100_000)"
        manager = "\(tag)m"
        server = withServer ? "\(tag)s" : nil
        self.behindSNMPD = behindSNMPD
        do {
            try addNamespace(manager)
            if let server {
                try addNamespace(server)
                try Self.run([Self.ip, "link", "add", "\(tag)s0", "netns", server, "type", "veth",
                              "peer", "name", "\(tag)m0", "netns", manager])
                try Self.run(in: server, [Self.ip, "addr", "add", "\(Self.serverAddress)/30", "dev", "\(tag)s0"])
                try Self.run(in: server, [Self.ip, "link", "set", "\(tag)s0", "up"])
                try Self.run(in: manager, [Self.ip, "addr", "add", "10.231.100.2/30", "dev", "\(tag)m0"])
                try Self.run(in: manager, [Self.ip, "link", "set", "\(tag)m0", "up"])
            }
            for number in 1 ... count {
                let namespace = "\(tag)h\(number)"
                try addNamespace(namespace)
                let (managerSide, hostSide) = ("\(tag)m\(number)", "\(tag)h\(number)")
                try Self.run([Self.ip, "link", "add", managerSide, "netns", manager, "type", "veth",
                              "peer", "name", hostSide, "netns", namespace])
                try Self.run(in: manager, [Self.ip, "addr", "add", "10.231.\(number).1/30", "dev", managerSide])
                try Self.run(in: manager, [Self.ip, "link", "set", managerSide, "up"])
                try Self.run(in: namespace, [Self.ip, "addr", "add", "10.231.\(number).2/30", "dev", hostSide])
                try Self.run(in: namespace, [Self.ip, "link", "set", hostSide, "up"])
                let domains = 2 * number + 1
                hosts.append(Host(number: number, namespace: namespace, address: "10.231.\(number).2",
                                  domains: domains, brokenChains: domains / 2, port: behindSNMPD ? 161 : Self.agentPort))
                if behindSNMPD { try startSNMPD(of: number - 1) }
                try startAgent(of: number - 1)
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Starts (again) host `position`'s agent in its namespace.
    func startAgent(of position: Int) throws {
        let host = hosts[position]
        let world = folder.url.appendingPathComponent("h\(host.number)")
        if !FileManager.default.fileExists(atPath: world.appendingPathComponent("world.xml").path) {
            try Self.run([Repository.file("scripts/make-scale-world").path, world.path, "--domains", "\(host.domains)",
                          "--prefix", host.prefix, "--broken-every", "2"])
        }
        let serving: [String]
        if behindSNMPD {
            serving = ["--agentx-socket", "unix:" + world.appendingPathComponent("agentx.sock").path, "--agentx-ping-interval", "1"]
        } else {
            let config = world.appendingPathComponent("agent.conf")
            try "rocommunity public 10.231.0.0/16\n".write(to: config, atomically: true, encoding: .utf8)
            serving = ["--master", "--listen", "udp:\(host.target)", "--config", config.path]
        }
        hosts[position].agent = try ChildProcess(
            "agent-h\(host.number)", Self.ip,
            ["netns", "exec", host.namespace, try TestWorld.agentBinary(), "run", "--foreground"] + serving +
            ["--connect", "test://\(world.appendingPathComponent("world.xml").path)",
             "--poll-interval", "2", "--state-dir", world.appendingPathComponent("state").path],
            log: world.appendingPathComponent("agent.log"))
    }

    /// snmpd in host `position`'s namespace, with the deployment snippet's access
    /// (its SNMPv3 user) for the fleet's addresses.
    private func startSNMPD(of position: Int) throws {
        let host = hosts[position]
        let world = folder.url.appendingPathComponent("h\(host.number)")
        let persist = world.appendingPathComponent("snmpd-persist")
        try FileManager.default.createDirectory(at: persist, withIntermediateDirectories: true)
        let config = world.appendingPathComponent("snmpd.conf")
        try """
            agentaddress  udp:\(host.address):161
            master        agentx
            agentXSocket  unix:\(world.appendingPathComponent("agentx.sock").path)
            agentXPerms   0660 0700
            \(try DeploymentSnippetTests.access(source: "10.231.0.0/16"))

            """.write(to: config, atomically: true, encoding: .utf8)
        snmpds[position] = try ChildProcess(
            "snmpd-h\(host.number)", Self.ip,
            ["netns", "exec", host.namespace, "/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", config.path,
             "-p", world.appendingPathComponent("snmpd.pid").path, "-I", "-smux"],
            environment: ["SNMP_PERSISTENT_DIR": persist.path, "MIBS": ""],
            log: world.appendingPathComponent("snmpd.log"))
    }

    /// A client of host `position`, asking from the manager namespace (SNMPv3
    /// behind snmpd, else v2c).
    func client(of position: Int) -> SNMPClient {
        var client = SNMPClient(target: hosts[position].target)
        if behindSNMPD { client.user = ("virtmonitor", DeploymentSnippetTests.auth, DeploymentSnippetTests.privacy) }
        client.namespace = manager
        return client
    }

    func stopAgent(of position: Int) {
        _ = hosts[position].agent?.stop()
        hosts[position].agent = nil
    }

    /// A process in the manager namespace.
    func managerProcess(_ name: String, _ executable: String, _ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(name, Self.ip, ["netns", "exec", manager, executable] + arguments,
                         log: folder.url.appendingPathComponent("\(name).log"))
    }

    /// What `url` (on the manager namespace's loopback) answers, or nil.
    func fetch(_ url: String) -> String? {
        let script = "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())"
        guard let run = try? Command.run(Self.ip, ["netns", "exec", manager, "/usr/bin/python3", "-c", script, url],
                                         timeout: .seconds(15)), run.status == 0 else { return nil }
        return run.stdout
    }

    func stop() {
        for position in hosts.indices { stopAgent(of: position) }
        for (_, snmpd) in snmpds { _ = snmpd.stop() }
        snmpds.removeAll()
        for namespace in namespaces.reversed() { _ = try? Command.run(Self.ip, ["netns", "delete", namespace]) }
        namespaces.removeAll()
    }

    private func addNamespace(_ name: String) throws {
        try Self.run([Self.ip, "netns", "add", name])
        namespaces.append(name)
        try Self.run(in: name, [Self.ip, "link", "set", "lo", "up"])
    }

    private static func run(in namespace: String, _ command: [String]) throws {
        try run([ip, "netns", "exec", namespace] + command)
    }

    private static func run(_ command: [String]) throws {
        let result = try Command.run(command[0], Array(command.dropFirst()), timeout: .seconds(60))
        guard result.status == 0 else {
            throw HarnessError("\(command.joined(separator: " ")) failed: \(result.stderr)\(result.stdout)")
        }
    }
}
