/// How bad a condition is, ordered so the worst of a chain is its `max()`.
///
/// - ok: nothing to do.
/// - info: worth knowing (encrypted, network backing not checked), no action.
/// - warning: works today but needs attention (dirty, format not recorded).
/// - critical: the VM cannot start from this chain, or data is at risk.
public enum Severity: Int, Sendable, Hashable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    case ok = 0
    case info = 1
    case warning = 2
    case critical = 3

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .ok: "ok"
        case .info: "info"
        case .warning: "warning"
        case .critical: "critical"
        }
    }

    /// Encoded by name ("warning"), which is what JSON readers want.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown severity \(name)"))
        }
        self = value
    }
}
