import Dispatch
import FoundationEssentials
import Synchronization
import SystemPackage

/// The agent's deep checks (``QCow2DeepCheck``): one file at a time, on a thread
/// of their own, never on the request path or in a poll; each file again after
/// the interval, its reads paced to a rate so the guests keep the disk.
///
/// The poller offers every qcow2 file its chains reach after each poll, saying
/// which ones a running domain writes to; those wait unless the settings include
/// running domains (then they are checked and reported as checked while in use,
/// as `qemu-img check -U` would be). A file whose check reads nothing for
/// ``Settings/stallLimit`` (hung storage) is given up, recorded as failed, and not
/// started again until its read returns. Results reach the chains through
/// ``annotate(_:)``, which the inspection worker calls on each chain it walks.
public final class DeepCheckSchedule: Sendable {
    public struct Settings: Sendable, Equatable {
        /// How long a file's check stands before it is checked again; zero turns deep checks off.
        public var interval: Duration
        /// The average read rate of a check.
        public var bytesPerSecond: UInt64
        /// Also check files a running domain writes to.
        public var runningDomains: Bool
        /// A check that reads nothing for this long is given up as hung.
        public var stallLimit: Duration

        public init(interval: Duration, bytesPerSecond: UInt64, runningDomains: Bool = false,
                    stallLimit: Duration = .seconds(60)) {
            self.interval = interval
            self.bytesPerSecond = bytesPerSecond
            self.runningDomains = runningDomains
            self.stallLimit = stallLimit
        }

        public var isOn: Bool { interval > .zero }
    }

    /// A file the chains reach, as one poll saw it.
    public struct Candidate: Sendable, Hashable {
        public var path: String
        public var identity: FileIdentity
        /// A running domain writes to it (the top image of an active domain's disk).
        public var inUse: Bool

        public init(path: String, identity: FileIdentity, inUse: Bool) {
            self.path = path
            self.identity = identity
            self.inUse = inUse
        }
    }

    /// A file's last check and the file as it was when the check began.
    struct Entry: Sendable {
        var check: LayerDeepCheck
        var identity: FileIdentity
    }

    /// A file that changed since its check (repaired, rewritten) is checked again
    /// after this long, or after the interval if that is shorter: soon enough to
    /// see a repair, not so soon that a file being written is checked over and over.
    static let changedFileDelay: Duration = .seconds(300)

    private let core: Core

    public init(settings: Settings) {
        core = Core(settings: settings)
    }

    deinit { core.stop() }

    public var settings: Settings { core.state.withLock { $0.settings } }

    /// New settings, from the next check on.
    public func update(_ settings: Settings) {
        core.state.withLock { $0.settings = settings }
        core.wake.signal()
    }

    /// Called (on a check's thread) when a check changes what is known of a file:
    /// it found something, or no longer finds what the last check found. The
    /// collector then polls at once; a clean result, the common case, waits for
    /// the next poll, so a host's first day of checks costs no extra polls.
    public func whenChanged(_ callback: @escaping @Sendable (_ path: String, _ check: LayerDeepCheck) -> Void) {
        core.state.withLock { $0.changed = callback }
    }

    /// The files the last poll's chains reach. Files no longer offered are forgotten.
    public func offer(_ candidates: [Candidate]) {
        let start = core.state.withLock { state in
            state.candidates = Dictionary(candidates.map { ($0.path, $0) }) { a, b in
                var merged = a
                merged.inUse = a.inUse || b.inUse
                return merged
            }
            state.entries = state.entries.filter { state.candidates[$0.key] != nil }
            state.deferred = state.deferred.filter { state.candidates[$0.key] != nil }
            defer { state.threadStarted = true }
            return !state.threadStarted
        }
        if start {
            DetachedThread.start { [core] in core.loop() }
        } else {
            core.wake.signal()
        }
    }

    /// Attaches to `chain`'s layers the last check of each file, when it was of the same file.
    public func annotate(_ chain: inout BackingChain) {
        let entries = core.state.withLock { state in
            chain.layers.map { layer in layer.isCheckedAsQCow2 ? state.entries[layer.path] : nil }
        }
        for (position, entry) in entries.enumerated() {
            guard let entry, entry.identity.fileID == chain.layers[position].identity?.fileID else { continue }
            chain.layers[position].attach(entry.check)
        }
    }

    /// The last check recorded for the file at `path`, if any.
    public func lastCheck(of path: String) -> LayerDeepCheck? {
        core.state.withLock { $0.entries[path]?.check }
    }

    /// Checks finished so far (tests).
    public var checksRun: Int { core.state.withLock { $0.checksRun } }

    /// When `candidate` is due for a check; nil while it is not to be checked at
    /// all (deep checks off, in use and running domains not included).
    static func due(_ candidate: Candidate, last: Entry?, settings: Settings) -> Date? {
        guard settings.isOn, settings.runningDomains || !candidate.inUse else { return nil }
        guard let last, last.identity.fileID == candidate.identity.fileID else { return .distantPast }
        let interval = settings.interval.seconds
        var due = last.check.finished.addingTimeInterval(interval)
        if !last.check.whileInUse, !candidate.inUse, last.identity != candidate.identity {
            due = min(due, last.check.finished.addingTimeInterval(min(interval, changedFileDelay.seconds)))
        }
        return due
    }

    /// What the thread shares with the schedule's users; the thread holds it, not
    /// the schedule, so that the schedule can end (and stop the thread).
    fileprivate final class Core: Sendable {
        struct State {
            var settings: Settings
            var candidates: [String: Candidate] = [:]
            var entries: [String: Entry] = [:]
            /// Files found open for writing by a QEMU libvirt did not report, and when to look again.
            var deferred: [String: Date] = [:]
            /// Files whose check was given up, still in their read.
            var hung: Set<String> = []
            var threadStarted = false
            var stopping = false
            var changed: (@Sendable (String, LayerDeepCheck) -> Void)?
            var checksRun = 0
        }
        let state: Mutex<State>
        let wake = DispatchSemaphore(value: 0)

        init(settings: Settings) {
            state = Mutex(State(settings: settings))
        }

        func stop() {
            state.withLock { $0.stopping = true }
            wake.signal()
        }

        /// The schedule's thread: the next due file, checked; or a wait until one is due.
        func loop() {
            while true {
                enum Next { case stop, check([Candidate]), wait(until: Date?) }
                let next = state.withLock { state -> Next in
                    if state.stopping { return .stop }
                    // One scan picks the next batch of due files, not one file: a host's
                    // first sweep over ten thousand images would otherwise scan them all,
                    // under the lock the poller's chains wait on, before every check.
                    let now = Date()
                    var dueNow: [(due: Date, path: String)] = []
                    var soonest: Date?
                    for candidate in state.candidates.values where !state.hung.contains(candidate.path) {
                        guard let due = Self.due(candidate, in: state) else { continue }
                        if due <= now {
                            dueNow.append((due, candidate.path))
                        } else if soonest.map({ due < $0 }) ?? true {
                            soonest = due
                        }
                    }
                    guard !dueNow.isEmpty else { return .wait(until: soonest) }
                    // Ties (never checked) in path order, so a host's files are checked in a stable order.
                    dueNow.sort { $0 < $1 }
                    return .check(dueNow.prefix(Self.batch).compactMap { state.candidates[$0.path] })
                }
                switch next {
                case .stop:
                    return
                case .wait(let until?):
                    _ = wake.wait(timeout: .now() + .milliseconds(Int(min(3600, max(0.01, until.timeIntervalSinceNow)) * 1000)))
                case .wait(nil):
                    wake.wait()
                case .check(let batch):
                    for picked in batch {
                        // Still offered, not hung and due (a poll or new settings may have changed that).
                        let settings = state.withLock { state -> Settings? in
                            guard !state.stopping, let candidate = state.candidates[picked.path], candidate == picked,
                                  !state.hung.contains(picked.path), let due = Self.due(candidate, in: state),
                                  due <= Date() else { return nil }
                            return state.settings
                        }
                        guard let settings else { continue }
                        check(picked, settings: settings)
                    }
                }
            }
        }

        /// Files checked between two scans of the candidates.
        static let batch = 64

        /// When `candidate` is due, with a deferral counted; nil while it is not to be checked.
        private static func due(_ candidate: Candidate, in state: State) -> Date? {
            guard var due = DeepCheckSchedule.due(candidate, last: state.entries[candidate.path], settings: state.settings) else { return nil }
            if let deferred = state.deferred[candidate.path] { due = max(due, deferred) }
            return due
        }

        /// Checks one file and records the outcome, or gives it up when it stalls.
        private func check(_ candidate: Candidate, settings: Settings) {
            let path = FilePath(candidate.path)
            let writing = QEMULocks.heldForWriting(on: path)
            if writing, !candidate.inUse, !settings.runningDomains {
                // A QEMU libvirt did not report (or a block job) writes to it: look again later.
                state.withLock { $0.deferred[candidate.path] = Date().addingTimeInterval(DeepCheckSchedule.changedFileDelay.seconds) }
                return
            }
            guard let identity = try? FileIdentity.of(path: path) else {
                // Gone since the poll: the next offer drops it.
                state.withLock { $0.deferred[candidate.path] = Date().addingTimeInterval(DeepCheckSchedule.changedFileDelay.seconds) }
                return
            }
            let whileInUse = candidate.inUse || writing
            let pace = ReadPace(bytesPerSecond: settings.bytesPerSecond)
            let done = DispatchSemaphore(value: 0)
            DetachedThread.start { [self] in
                let outcome: DeepCheckOutcome
                do throws(DeepCheckError) {
                    outcome = .checked(try QCow2DeepCheck.check(path: candidate.path, pace: pace))
                } catch {
                    outcome = .failed(error.description)
                }
                // Recorded here, not by the waiting thread, so that a check given up as
                // hung still records what it found should its read ever return.
                record(candidate.path, Entry(check: LayerDeepCheck(outcome: outcome, finished: Date(), whileInUse: whileInUse),
                                             identity: identity), endingHang: true)
                done.signal()
            }
            var progress = pace.progress, lastProgress = ContinuousClock.now
            let slice = DispatchTimeInterval.milliseconds(Int(max(10, min(1000, settings.stallLimit.milliseconds / 4))))
            while done.wait(timeout: .now() + slice) == .timedOut {
                if state.withLock({ $0.stopping }) { return }
                if pace.progress != progress {
                    (progress, lastProgress) = (pace.progress, .now)
                } else if ContinuousClock.now - lastProgress >= settings.stallLimit {
                    let reason = "read nothing for \(Int(settings.stallLimit.seconds)) s (hung storage?); not checked again until the read returns"
                    state.withLock { _ = $0.hung.insert(candidate.path) }
                    record(candidate.path, Entry(check: LayerDeepCheck(outcome: .failed(reason), finished: Date(), whileInUse: whileInUse),
                                                 identity: identity), endingHang: false)
                    return
                }
            }
        }

        private func record(_ path: String, _ entry: Entry, endingHang: Bool) {
            let callback = state.withLock { state -> (@Sendable (String, LayerDeepCheck) -> Void)? in
                if endingHang { state.hung.remove(path) }
                guard state.candidates[path] != nil else { return nil }
                let before = state.entries.updateValue(entry, forKey: path)
                state.checksRun += 1
                return entry.check.conditions == (before?.check.conditions ?? []) ? nil : state.changed
            }
            callback?(path, entry.check)
            wake.signal()
        }
    }
}
