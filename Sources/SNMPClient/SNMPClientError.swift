import FoundationEssentials

/// Why an SNMP request got no usable answer, worded for the person reading a
/// check's status line: what happened and what to look at.
public enum SNMPClientError: Error, Equatable, CustomStringConvertible {
    /// No response at all: host down, port closed or filtered, snmpd stopped, or
    /// (SNMPv1/v2c) a community the agent does not accept, which it ignores silently.
    case noResponse(agent: String, seconds: Double)
    case authenticationFailed(user: String, reason: String)
    case unknownUser(user: String)
    /// The agent answered with an error-status.
    case errorStatus(agent: String, reason: String)
    /// The options could not make a session, or net-snmp failed otherwise.
    case failure(String)
    /// The agent's answers did not advance (a broken agent): the walk stopped.
    case walkNotIncreasing(agent: String)

    /// Seconds as people read them: "2.4", not the 2.4000000000000004 that 3 × 0.4 × 2 makes.
    private static func text(_ seconds: Double) -> String {
        let tenths = (seconds * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }

    public var description: String {
        switch self {
        case .noResponse(let agent, let seconds):
            "no SNMP response from \(agent) within \(Self.text(seconds)) s: check the host and port, that snmpd runs, and the community or user"
        case .authenticationFailed(let user, let reason):
            "SNMPv3 authentication failed for user \(user) (\(reason)): check -l, -a/-A and -x/-X"
        case .unknownUser(let user):
            "the agent knows no SNMPv3 user \(user): check -u and snmpd's createUser/rouser lines"
        case .errorStatus(let agent, let reason):
            "\(agent) answered with an error: \(reason)"
        case .failure(let reason):
            reason
        case .walkNotIncreasing(let agent):
            "\(agent) returned OIDs out of order; the walk was stopped"
        }
    }
}
