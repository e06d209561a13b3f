import CAgentX
import Synchronization

/// The agent's own keywords in net-snmp's configuration files: `NAME.conf` in
/// net-snmp's config path (`/etc/snmp/virt-agentx.conf`, next to snmpd.conf),
/// plus any file given with `--config`, read with net-snmp's own parser
/// (which also knows `agentXSocket` and `agentxPingInterval`).
public enum ConfigurationFile {
    /// Checks and records one line; returns why it is wrong, or nil. Called on
    /// the net-snmp thread while files are read.
    public typealias Handler = @Sendable (_ token: String, _ value: String) -> String?

    private static let handler = Mutex<Handler?>(nil)
    private static let failures = Atomic<Int>(0)

    /// Registers `tokens` (keyword and usage) with net-snmp; lines go to `handle`.
    public static func register(_ tokens: [(keyword: String, usage: String)], handle: @escaping Handler) {
        handler.withLock { $0 = handle }
        for token in tokens {
            _ = cagentx_config_token(token.keyword, token.usage, forwardLine)
        }
    }

    /// Also read `path`, like snmpd's -c.
    public static func alsoRead(_ path: String) { cagentx_config_file(path) }

    /// Lines rejected since the last call (net-snmp has logged each with its file and line).
    public static func takeFailures() -> Int { failures.exchange(0, ordering: .acquiringAndReleasing) }

    static func line(_ token: String, _ value: String) {
        guard let problem = handler.withLock({ $0 })?(token, value) else { return }
        failures.add(1, ordering: .relaxed)
        cagentx_config_error(problem)
    }
}

private let forwardLine: cagentx_config_fn = { token, value in
    guard let token else { return }
    let text = value.map { String(cString: $0) } ?? ""
    ConfigurationFile.line(String(cString: token), text.trimmingCharacters(in: [" ", "\t", "\n"]))
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
