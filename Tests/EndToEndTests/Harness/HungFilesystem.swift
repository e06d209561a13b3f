import Foundation
import TestSupport

/// Real hung storage: scripts/lib/hangfs.py (fusepy) mounted on a scratch folder,
/// a read-only mirror of `source` whose read() of the `hung` files never returns
/// until `release()` -- as on a hard NFS mount whose server died: stat and open
/// answer, the data does not come. Other files keep answering meanwhile.
///
/// Always detached and stopped by PID when done with (`unmount()`, or at the
/// latest when this object dies): blocked readers then get an error.
final class HungFilesystem {
    let source: URL
    let mountpoint: URL
    let log: URL
    private var process: ChildProcess?

    /// Debian's interpreter: python3-fusepy installs there, not into another python3 on PATH.
    static let python = "/usr/bin/python3"
    static let script = Repository.file("scripts/lib/hangfs.py")

    /// Why a FUSE hang cannot be made on this machine; nil when it can.
    static let unavailableReason: String? = {
        guard FileManager.default.fileExists(atPath: "/dev/fuse") else {
            return "/dev/fuse does not exist (no FUSE in this kernel or container): the hung-storage tests need it"
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return "\(python) not found: the hung-storage tests need Debian's python3 and python3-fusepy (scripts/setup installs them)"
        }
        let probe = try? Command.run(python, ["-c", "try:\n import fusepy\nexcept ImportError:\n import fuse"])
        guard probe?.status == 0 else {
            return "fusepy cannot be imported by \(python) (\(probe?.stderr.split(separator: "\n").last ?? "did not run")): install python3-fusepy (scripts/setup does)"
        }
        let canMount = getuid() == 0 || ["/usr/bin/fusermount", "/bin/fusermount"].contains {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard canMount else { return "not root, and no fusermount to mount FUSE as a user: install fuse3 (scripts/setup does)" }
        return nil
    }()

    /// What the hung-storage tests need; in CI a missing piece fails them instead of skipping them.
    static let requirement = Requirement("the hung-storage tests", unavailableReason: unavailableReason)

    /// For `.enabled(if:)`: run where FUSE works, and always in CI.
    static var shouldRun: Bool { requirement.shouldRun }

    /// Throws (failing the test) when the tests run but cannot make a hang (in CI).
    static func requireAvailable() throws { try requirement.require() }

    /// Mounts `source` on `mountpoint` (created if need be) and waits until the
    /// mount answers. The `hung` files (relative to `source`) hang from the start,
    /// or only after `hang()` when `released`.
    init(source: URL, mountpoint: URL, hung: [String], released: Bool = false) throws {
        try Self.requireAvailable()
        self.source = source
        self.mountpoint = mountpoint
        log = mountpoint.deletingLastPathComponent().appendingPathComponent("hangfs-\(mountpoint.lastPathComponent).log")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        let process = try ChildProcess(
            "hangfs", Self.python,
            [Self.script.path, source.path, mountpoint.path] + hung.flatMap { ["--hang", $0] } + (released ? ["--released"] : []),
            log: log)
        self.process = process
        let mounted = eventually(timeout: .seconds(15)) {
            process.isRunning && lines.contains("mounted") && Self.isMounted(mountpoint.path)
        }
        guard mounted else {
            let output = process.output
            unmount()
            throw HarnessError("hangfs did not mount \(source.path) on \(mountpoint.path):\n\(output)")
        }
    }

    deinit { unmount() }

    var pid: pid_t? { process?.pid }

    /// What hangfs printed: `mounted`, `hang NAME` per read that began to hang, `released`, `hung`.
    var lines: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The files whose reads began to hang, once per read request that blocked.
    var hungReads: [String] { lines.filter { $0.hasPrefix("hang ") }.map { String($0.dropFirst(5)) } }

    /// Lets every blocked read return its data, and later reads answer at once.
    func release() throws { try send(SIGUSR1, andWaitFor: "released") }

    /// Makes reads of the hung files block again.
    func hang() throws { try send(SIGUSR2, andWaitFor: "hung") }

    private func send(_ signal: Int32, andWaitFor line: String) throws {
        guard let process, process.isRunning else { throw HarnessError("hangfs is not running:\n\(lines.joined(separator: "\n"))") }
        let before = lines.count { $0 == line }
        kill(process.pid, signal)
        guard eventually(timeout: .seconds(5), { lines.count { $0 == line } > before }) else {
            throw HarnessError("hangfs did not say '\(line)' after signal \(signal):\n\(lines.joined(separator: "\n"))")
        }
    }

    /// Fails the blocked reads (EIO), detaches the mount and stops hangfs by PID;
    /// SIGKILL if it does not go, which makes the kernel fail them (ENOTCONN). Idempotent.
    func unmount() {
        if let process, process.isRunning {
            if process.stop(signal: SIGTERM, timeout: .seconds(5)) == nil {
                process.stop(signal: SIGKILL, timeout: .seconds(5))
            }
        }
        process = nil
        if Self.isMounted(mountpoint.path) {
            _ = try? Command.run("umount", ["-l", mountpoint.path], timeout: .seconds(10))
        }
    }

    /// Whether `path` is a mount point now.
    static func isMounted(_ path: String) -> Bool { MountTable.isMountPoint(path) }
}

/// A process's figures from /proc/PID/status.
enum ProcessFigures {
    static func threads(of pid: pid_t) -> Int { field("Threads:", of: pid) }
    static func residentKiB(of pid: pid_t) -> Int { field("VmRSS:", of: pid) }

    private static func field(_ name: String, of pid: pid_t) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(name) } ?? ""
        return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first.map(String.init) ?? "") ?? -1
    }
}
