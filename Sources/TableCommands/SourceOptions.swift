import Commands
import ArgumentParser
import MIB
import MonitoringPlugin
import SNMPClient
import VirtModel

/// Where `check` and `show` read the tables: a running agent over SNMP (`-H`),
/// or libvirt and the image inspector on this host (`--local`). Both end in the
/// same MIBReading, so both give the same answers.
public struct SourceOptions: ParsableArguments {
    public init() {}

    @Flag(help: "Ask libvirt and the image inspector on this host directly, not an agent over SNMP.")
    public var local = false

    @Option(name: .customLong("connect"), help: ArgumentHelp("With --local: the libvirt URI (default: libvirt's).", valueName: "uri"))
    var uri: String?

    @Option(name: [.customShort("H"), .customLong("hostname")],
            help: ArgumentHelp("The agent's host over SNMP, as net-snmp names agents: host, host:port, tcp:host:port, udp6:[::1]:161.",
                               valueName: "agent"))
    var hostname: String?

    @Option(name: [.short, .long], help: ArgumentHelp("SNMP port, when -H names none (\(Port.rangeText); default 161).", valueName: "port"),
            transform: Port.transform)
    var port: Port?

    @Option(name: [.customShort("P"), .customLong("protocol")],
            help: ArgumentHelp("SNMP version: 2c or 3 (default 3 with -u, else 2c; v1 cannot carry Counter64).", valueName: "version"))
    var version: SNMPVersion?

    @Option(name: [.customShort("C"), .customLong("community")], help: ArgumentHelp("SNMPv2c community (default public).", valueName: "community"))
    var community: String?

    @Option(name: [.customShort("u"), .customLong("user")], help: ArgumentHelp("SNMPv3 user name.", valueName: "name"))
    var user: String?

    @Option(name: [.customShort("l"), .customLong("security-level")],
            help: ArgumentHelp("SNMPv3 security level: noAuthNoPriv, authNoPriv or authPriv (default: from -A and -X).", valueName: "level"))
    var securityLevel: SNMPv3User.Level?

    @Option(name: [.customShort("a"), .customLong("auth-protocol")],
            help: ArgumentHelp("SNMPv3 authentication protocol as snmpget takes it: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512.", valueName: "protocol"))
    var authProtocol: String?

    @Option(name: [.customShort("A"), .customLong("auth-passphrase")], help: ArgumentHelp("SNMPv3 authentication passphrase.", valueName: "passphrase"))
    var authPassphrase: String?

    @Option(name: [.customShort("x"), .customLong("priv-protocol")],
            help: ArgumentHelp("SNMPv3 privacy protocol as snmpget takes it: DES, AES, AES-192, AES-256.", valueName: "protocol"))
    var privProtocol: String?

    @Option(name: [.customShort("X"), .customLong("priv-passphrase")], help: ArgumentHelp("SNMPv3 privacy passphrase.", valueName: "passphrase"))
    var privPassphrase: String?

    enum SNMPVersion: String, ExpressibleByArgument, CaseIterable {
        case v2c = "2c", v3 = "3"
    }

    private var snmpFlagsGiven: [String] {
        [("-p", port != nil), ("-P", version != nil), ("-C", community != nil), ("-u", user != nil),
         ("-l", securityLevel != nil), ("-a", authProtocol != nil), ("-A", authPassphrase != nil),
         ("-x", privProtocol != nil), ("-X", privPassphrase != nil)].filter(\.1).map(\.0)
    }

    private var effectiveVersion: SNMPVersion { version ?? (user == nil ? .v2c : .v3) }

    public func validate() throws {
        switch (local, hostname) {
        case (true, .some): throw ValidationError("give either --local or -H, not both.")
        case (false, nil): throw ValidationError("say where to read: -H <agent> for a host running virt-agentx behind snmpd, or --local for this host.")
        case (true, nil):
            if let flag = snmpFlagsGiven.first { throw ValidationError("\(flag) is an SNMP option; it does not apply with --local.") }
            return
        case (false, .some(let hostname)):
            guard uri == nil else { throw ValidationError("--connect applies only with --local; over SNMP the agent chooses its libvirt.") }
            guard !hostname.isEmpty else { throw ValidationError("-H needs an agent address.") }
        }
        switch effectiveVersion {
        case .v2c:
            if let flag = ["-u", "-l", "-a", "-A", "-x", "-X"].first(where: snmpFlagsGiven.contains) {
                throw ValidationError("\(flag) is an SNMPv3 option; add -P 3 and -u <user>.")
            }
            if community?.isEmpty == true { throw ValidationError("-C needs a community.") }
        case .v3:
            guard community == nil else { throw ValidationError("-C is an SNMPv2c option; SNMPv3 uses -u and its passphrases.") }
            guard let user, !user.isEmpty else { throw ValidationError("SNMPv3 needs -u <user>.") }
            let level = securityLevel ?? impliedLevel
            for (flag, passphrase) in [("-A", authPassphrase), ("-X", privPassphrase)] {
                // RFC 3414's USM needs passphrases of at least 8 characters; net-snmp refuses shorter ones.
                if let passphrase, passphrase.count < 8 { throw ValidationError("\(flag): an SNMPv3 passphrase has at least 8 characters.") }
            }
            if level != .noAuthNoPriv && authPassphrase == nil { throw ValidationError("-l \(level.rawValue) needs -A <passphrase>.") }
            if level == .authPriv && privPassphrase == nil { throw ValidationError("-l authPriv needs -X <passphrase>.") }
        }
    }

    private var impliedLevel: SNMPv3User.Level {
        privPassphrase != nil ? .authPriv : authPassphrase != nil ? .authNoPriv : .noAuthNoPriv
    }

    /// Where the answers come from, for messages.
    var sourceName: String {
        hostname.map { "the agent at \($0)" } ?? "libvirt at \(uri ?? "its default URI")"
    }

    /// The SNMP target: one try and one retry fill 80 % of `seconds`, so a silent
    /// agent is reported as such before the check's own deadline.
    func target(within seconds: Int) -> SNMPTarget? {
        guard let hostname else { return nil }
        let agent = port.map { "\(hostname):\($0.value)" } ?? hostname
        let credentials: SNMPTarget.Credentials = switch effectiveVersion {
        case .v2c: .community(community ?? "public")
        case .v3: .user(SNMPv3User(name: user ?? "", level: securityLevel ?? impliedLevel,
                                   authProtocol: authProtocol, authPassphrase: authPassphrase,
                                   privProtocol: privProtocol, privPassphrase: privPassphrase))
        }
        return SNMPTarget(agent: agent, credentials: credentials, timeout: Double(seconds) * 0.4, retries: 1)
    }

    /// The tables as the source serves them now: over SNMP, only `subtrees` (whole
    /// columns or the whole module; the host scalars are always read).
    func read(within seconds: Int, subtrees: [OID] = [VirtAgentxMIB.objectsRoot]) throws(SourceError) -> MIBReading {
        guard let target = target(within: seconds) else {
            // Most of the time for libvirt; the rest to report.
            return try LocalTables.read(uri: uri, deadline: .seconds(Double(seconds) * 0.8))
        }
        let reading: MIBReading
        do {
            let hostScalars = subtrees.contains { VirtAgentxMIB.hostRoot.hasPrefix($0) } ? [] : [VirtAgentxMIB.hostRoot]
            reading = MIBReading(cells: try SNMPSession(target).walk(columns: hostScalars + subtrees))
        } catch {
            throw .snmp(error)
        }
        guard !reading.isEmpty else { throw .agentMissing(agent: target.agent) }
        return reading
    }
}

/// Why no tables could be read.
public enum SourceError: Error, CustomStringConvertible {
    case libvirtUnreachable(uri: String?)
    /// libvirt accepted the connection but did not finish a poll in time (a frozen libvirtd).
    case libvirtUnresponsive(uri: String?, seconds: Int)
    case snmp(SNMPClientError)
    /// snmpd answered, but nothing under VIRT-AGENTX-MIB: the agent is not registered.
    case agentMissing(agent: String)
    /// This executable cannot read libvirt (the launcher hands `--local` over before it gets here).
    case noLocalReader

    public var description: String {
        switch self {
        case .libvirtUnreachable(let uri):
            "libvirt not reachable at \(uri ?? "its default URI"); is libvirtd running?"
        case .libvirtUnresponsive(let uri, let seconds):
            "libvirt at \(uri ?? "its default URI") did not answer within \(seconds) s; is libvirtd frozen (systemctl status libvirtd)? A longer --timeout waits longer"
        case .snmp(let error):
            error.description
        case .agentMissing(let agent):
            "\(agent) serves nothing under VIRT-AGENTX-MIB (\(VirtAgentxMIB.objectsRoot)): is virt-agentx running and connected to snmpd (master agentx), and does the view include the subtree?"
        case .noLocalReader:
            "--local reads libvirt, which only virt-agentx-libvirt links; run it through virt-agentx"
        }
    }
}

extension SNMPv3User.Level: ExpressibleByArgument {
    public init?(argument: String) {
        // The spellings snmpget accepts after -l.
        switch argument.lowercased() {
        case "noauthnopriv", "noauth", "nanp", "1": self = .noAuthNoPriv
        case "authnopriv", "auth", "anp", "2": self = .authNoPriv
        case "authpriv", "priv", "ap", "3": self = .authPriv
        default: return nil
        }
    }
}

extension ThresholdRange: ExpressibleByArgument, OptionValue {
    public init?(argument: String) { self.init(argument) }
    public static let expectation = "must be a range such as 10, 10:, ~:10, 10:20 or @10:20"
}
