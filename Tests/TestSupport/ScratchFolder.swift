import Foundation
import Synchronization

/// A fresh private folder under /tmp that is deleted, with everything in it,
/// when its owner lets go of it. The path is short, because unix socket paths
/// are limited to 108 bytes.
///
/// Swift may release an object right after its last use, so a folder used by
/// paths alone is best held by `withScratchFolder`, or as a stored property of
/// the object whose processes use it.
public final class ScratchFolder: Sendable {
    public let url: URL
    public var path: String { url.path }

    /// `/tmp/<prefix>.XXXXXX`.
    public init(prefix: String = "virt-agentx-test") throws {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw HarnessError("mkdtemp /tmp/\(prefix).XXXXXX: \(String(cString: strerror(errno)))")
        }
        url = URL(fileURLWithPath: String(cString: made))
    }

    /// `relative` inside the folder.
    public func file(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    deinit { Self.remove(url) }

    /// Removes `folder` with everything in it -- but never through a mount still
    /// there (a FUSE mount that hangs, a bind mount of something else): then the
    /// folder is left, and said so on stderr.
    static func remove(_ folder: URL) {
        let inside = MountTable.points(under: folder.path)
        guard inside.isEmpty else {
            FileHandle.standardError.write(Data("scratch folder \(folder.path) left in place: still mounted inside: \(inside)\n".utf8))
            return
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// A folder that lasts the whole test run (a world every suite shares): removed when the process exits.
    public static func forTheRun(prefix: String = "virt-agentx-test") throws -> ScratchFolder {
        let folder = try ScratchFolder(prefix: prefix)
        runFolders.withLock { folders in
            if folders.isEmpty { atexit { ScratchFolder.removeRunFolders() } }
            folders.append(folder)
        }
        return folder
    }

    private static let runFolders = Mutex<[ScratchFolder]>([])

    private static func removeRunFolders() {
        // Dropping the last references runs each deinit.
        runFolders.withLock { $0.removeAll() }
    }
}

/// Runs `body` with a fresh scratch folder, deleted when `body` returns or throws
/// (after everything `body` made has been released: processes stopped, files closed).
public func withScratchFolder<T>(prefix: String = "virt-agentx-test", _ body: (URL) throws -> T) throws -> T {
    let folder = try ScratchFolder(prefix: prefix)
    return try withExtendedLifetime(folder) { try body(folder.url) }
}

/// The mount points of this process's mount namespace, from /proc/self/mountinfo.
public enum MountTable {
    /// Every mount point, octal escapes (\040 for a space ...) decoded.
    public static func points() -> [String] {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            return String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
                .replacingOccurrences(of: "\\011", with: "\t").replacingOccurrences(of: "\\012", with: "\n")
                .replacingOccurrences(of: "\\134", with: "\\")
        }
    }

    /// Whether `path` is a mount point now.
    public static func isMountPoint(_ path: String) -> Bool { points().contains(path) }

    /// The mount points at or below `folder`.
    public static func points(under folder: String) -> [String] {
        points().filter { $0 == folder || $0.hasPrefix(folder + "/") }
    }
}
