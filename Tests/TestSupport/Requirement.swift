import Foundation

/// What a suite needs from the machine (a tool, a device, files), and why it is
/// not there when it is not. Outside CI a suite whose requirement is unmet is
/// skipped, saying why; in CI (`CI=true`) it runs, and fails with the reason:
///
///     static let requirement = Requirement("the socket tests", unavailableReason: ...)
///     @Suite(.enabled(if: requirement.shouldRun, Comment(rawValue: requirement.skipReason)))
///     ... each test (or the suite's init) starts with `try requirement.require()`.
public struct Requirement: Sendable {
    /// What needs it, for the failure message ("the MIB-agreement tests").
    public let what: String
    /// Why it cannot be met here; nil when it is met.
    public let unavailableReason: String?

    public init(_ what: String, unavailableReason: String?) {
        self.what = what
        self.unavailableReason = unavailableReason
    }

    /// Whether this run is CI, where nothing may be skipped for want of a tool.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// For `.enabled(if:)`: run where the requirement is met, and always in CI.
    public var shouldRun: Bool { unavailableReason == nil || Self.isCI }

    /// The comment of the skip (empty when met).
    public var skipReason: String { unavailableReason ?? "" }

    /// Throws (failing the test) with the reason when the requirement is unmet.
    public func require() throws {
        guard let reason = unavailableReason else { return }
        throw HarnessError(Self.isCI ? "CI=true, so \(what) must run, but they cannot: \(reason)" : "\(what) cannot run: \(reason)")
    }

    /// The path of executable `name` on PATH (where `Command.run` finds it); nil if none.
    public static func executable(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").lazy
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
