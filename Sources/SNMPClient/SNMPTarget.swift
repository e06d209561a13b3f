import FoundationEssentials

/// Where and how to ask: an agent address and the credentials of one SNMP version,
/// spelled as net-snmp's command-line tools spell them.
public struct SNMPTarget: Sendable {
    public enum Credentials: Sendable {
        case community(String)
        case user(SNMPv3User)
    }

    /// net-snmp's agent specification: `host`, `host:port`, `tcp:host:port`, `udp6:[::1]:161`.
    public var agent: String
    public var credentials: Credentials
    /// Seconds to wait for each response before retrying.
    public var timeout: Double
    public var retries: Int

    public init(agent: String, credentials: Credentials, timeout: Double = 5, retries: Int = 1) {
        self.agent = agent
        self.credentials = credentials
        self.timeout = timeout
        self.retries = retries
    }

    /// The arguments snmpget would take for this target.
    var arguments: [String] {
        var arguments = ["virt-agentx", "-t", String(timeout), "-r", String(retries)]
        switch credentials {
        case .community(let community):
            arguments += ["-v", "2c", "-c", community]
        case .user(let user):
            arguments += ["-v", "3", "-u", user.name, "-l", user.level.rawValue]
            if let protocolName = user.authProtocol { arguments += ["-a", protocolName] }
            if let passphrase = user.authPassphrase { arguments += ["-A", passphrase] }
            if let protocolName = user.privProtocol { arguments += ["-x", protocolName] }
            if let passphrase = user.privPassphrase { arguments += ["-X", passphrase] }
        }
        return arguments + [agent]
    }
}

/// An SNMPv3 USM user as `snmpget -u -l -a -A -x -X` names it.
public struct SNMPv3User: Sendable {
    public enum Level: String, Sendable, CaseIterable {
        case noAuthNoPriv, authNoPriv, authPriv
    }

    public var name: String
    public var level: Level
    /// `MD5`, `SHA`, `SHA-224` … as net-snmp accepts them; nil for its default.
    public var authProtocol: String?
    public var authPassphrase: String?
    /// `DES`, `AES` … as net-snmp accepts them; nil for its default.
    public var privProtocol: String?
    public var privPassphrase: String?

    public init(name: String, level: Level, authProtocol: String? = nil, authPassphrase: String? = nil,
                privProtocol: String? = nil, privPassphrase: String? = nil) {
        self.name = name
        self.level = level
        self.authProtocol = authProtocol
        self.authPassphrase = authPassphrase
        self.privProtocol = privProtocol
        self.privPassphrase = privPassphrase
    }
}
