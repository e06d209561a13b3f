import Foundation

/// A long-running process a test started (snmpd, the agent): output goes to a
/// log file, and it is stopped by PID when the test is done with it (or, at
/// the latest, when this object dies).
///
/// Spawned with posix_spawn rather than Foundation's Process: Foundation
/// watches a socket inherited by the child and blocks its process thread in
/// wait4() when that socket closes -- and snmpd closes inherited descriptors
/// at start-up, which would freeze every later Process in the test run.
final class ChildProcess {
    let name: String
    let log: URL
    let pid: pid_t
    private var status: Int32?

    /// Output and errors go to `log`, or errors to `errors` when given.
    init(_ name: String, _ executable: String, _ arguments: [String],
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

    var isRunning: Bool { reap(blocking: false) == nil }

    /// Sends `signal` and waits up to `timeout` for the exit; nil if it did not exit.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) -> Int32? {
        guard isRunning else { return status }
        kill(pid, signal)
        return waitForExit(timeout: timeout)
    }

    /// The exit status (128 + signal number if killed) once the process has exited
    /// within `timeout`; nil if it is still running.
    func waitForExit(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = reap(blocking: false) { return status }
            Thread.sleep(forTimeInterval: 0.02)
        }
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

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

/// Runs a command to completion; fails the call after `timeout`.
struct Command {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Spawned like `ChildProcess` (Foundation's Process never sees a daemonizing
    /// command such as `libvirtd -d` exit); output goes to files, not pipes.
    static func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(20)) throws -> Command {
        let folder = try TestWorld.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        let process = try ChildProcess(tool, "/usr/bin/env", [tool] + arguments,
                                       environment: ["MIBS": ""],   // numeric OIDs: no MIB loading noise
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

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    repeat {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    } while ContinuousClock.now < deadline
    return false
}
