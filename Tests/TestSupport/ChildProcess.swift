import Foundation

/// A long-running process a test started (snmpd, the agent): output goes to a
/// log file, and it is stopped by PID when the test is done with it (or, at
/// the latest, when this object dies).
///
/// Spawned with posix_spawn rather than Foundation's Process: Foundation
/// watches a socket inherited by the child and blocks its process thread in
/// wait4() when that socket closes -- and snmpd closes inherited descriptors
/// at start-up, which would freeze every later Process in the test run.
public final class ChildProcess {
    public let name: String
    public let log: URL
    public let pid: pid_t
    private var status: Int32?

    /// Output and errors go to `log`, or errors to `errors` when given; `environment`
    /// is added to the test's own.
    public init(_ name: String, _ executable: String, _ arguments: [String],
                environment: [String: String] = [:], log: URL, errors: URL? = nil) throws {
        self.name = name
        self.log = log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // The spawning thread may be a Dispatch worker with signals blocked; a
        // child inheriting that mask would ignore the SIGTERM meant to stop it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard error == 0 else {
            throw HarnessError("could not start \(executable): \(String(cString: strerror(error)))")
        }
        self.pid = pid
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: .seconds(5))
        }
    }

    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Sends `signal` and waits up to `timeout` for the exit; nil if it did not exit.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) -> Int32? {
        guard isRunning else { return status }
        kill(pid, signal)
        return waitForExit(timeout: timeout)
    }

    /// The exit status (128 + signal number if killed) once the process has exited
    /// within `timeout`; nil if it is still running.
    public func waitForExit(timeout: Duration) -> Int32? {
        _ = eventually(timeout: timeout, every: .milliseconds(20)) { reap(blocking: false) != nil }
        return reap(blocking: false)
    }

    private func reap(blocking: Bool) -> Int32? {
        if let status { return status }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, blocking ? 0 : WNOHANG) == pid else { return nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift cannot import as macros.
        let signal = raw & 0x7f
        status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        return status
    }

    public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

/// Runs a command to completion; fails the call after `timeout`.
public struct Command: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// Spawned like `ChildProcess` (Foundation's Process never sees a daemonizing
    /// command such as `libvirtd -d` exit); output goes to files, not pipes.
    /// `tool` is looked up on PATH; `environment` is added to the test's own
    /// (and to MIBS="", numeric OIDs: no MIB loading noise); it runs in `directory` when given.
    public static func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(20),
                           environment: [String: String] = [:], in directory: URL? = nil) throws -> Command {
        try withScratchFolder { folder in
            let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
            let process = try ChildProcess(tool, "/usr/bin/env", (directory.map { ["-C", $0.path] } ?? []) + [tool] + arguments,
                                           environment: ["MIBS": ""].merging(environment) { $1 },
                                           log: out, errors: err)
            guard let status = process.waitForExit(timeout: timeout) else {
                process.stop(signal: SIGKILL, timeout: .seconds(5))
                throw HarnessError("\(tool) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
            }
            return Command(status: status,
                           stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }
}

/// Why a test's helper could not do its part (a process did not start, a tool failed).
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
