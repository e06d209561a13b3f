import Foundation

/// The repository the tests run from: scripts, MIB files and integrations are
/// found from here, and from nowhere else.
public enum Repository {
    /// The repository root (this file is Tests/TestSupport/Repository.swift).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `relative` (such as "scripts/make-world") inside the repository.
    public static func file(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}
