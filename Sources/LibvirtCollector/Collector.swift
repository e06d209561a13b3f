import Dispatch
import Foundation
import Logging
import Synchronization
import ImageInspector
import VirtModel

/// Polls libvirt and hands each new snapshot to `publish`, from one thread only,
/// in order.
///
/// Each poll runs on a thread of its own while the collector's thread waits for
/// it until the poll deadline. A poll that overruns is abandoned: libvirt's client
/// has no per-call timeout, so the call is left to finish on its thread (its
/// result is thrown away) and the next poll opens a fresh connection, at once the
/// first time. With libvirt's NOWAIT statistics that poll skips a domain whose
/// QEMU holds the first call, so one stuck domain costs its own rows, not the
/// host's. Only when the fresh connection overruns too is the host marked
/// unresponsive. Abandoned polls are bounded (`PollCycle.abandonLimit`).
///
/// Between polls it waits for the interval, for a libvirt event (then it refreshes
/// 100 ms later, so a burst of events costs one poll), or, while libvirt is
/// unreachable, for the next reconnect attempt (1 s, 2 s, 4 s ... up to the interval).
public final class Collector: Sendable {
    public struct Configuration: Sendable {
        /// nil: libvirt's default URI.
        public var uri: String?
        public var pollInterval: Duration
        /// Where row indexes are kept across restarts; nil keeps them in memory only.
        public var stateFolder: URL?
        /// A poll still running after this long is abandoned.
        public var pollDeadline: Duration
        /// The background deep checks; nil runs none.
        public var deepChecks: DeepCheckSchedule.Settings?
        /// The bulk statistics groups read (from the start on).
        public var statisticGroups: Set<StatisticGroup>

        public init(uri: String?, pollInterval: Duration, stateFolder: URL? = nil,
                    pollDeadline: Duration = .seconds(20), deepChecks: DeepCheckSchedule.Settings? = nil,
                    statisticGroups: Set<StatisticGroup> = Set(StatisticGroup.allCases)) {
            self.uri = uri
            self.pollInterval = pollInterval
            self.stateFolder = stateFolder
            self.pollDeadline = pollDeadline
            self.deepChecks = deepChecks
            self.statisticGroups = statisticGroups
        }
    }

    /// Events coalesced into one refresh within this window.
    static let debounce: Duration = .milliseconds(100)

    /// Everything threads share, under one lock: the collector's thread, the poll
    /// threads, libvirt's event thread and the caller's (update, stop).
    private struct State {
        var configuration: Configuration
        var cycle = PollCycle()
        /// The poller as the last poll that finished in time left it.
        var source: any PollSource
        /// What the running poll handed back, waiting for the collector's thread.
        var finished: (generation: UInt64, snapshot: Snapshot, source: any PollSource)?
        var started = false
        var stopping = false
        var stopped = false
        var refreshDue: ContinuousClock.Instant?
        var connectionClosed = false
        /// Domains whose definitions events reported changed since the last poll;
        /// nil when an event named no domain (then every definition is read again).
        var changedDomains: Set<String>? = []
        /// The same for storage pools (a refresh, a start, a stop, a definition).
        var changedPools: Set<String>? = []
    }

    private let state: Mutex<State>
    /// Signalled whenever `state` changes in a way the collector's thread waits for.
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let logger: Logger
    private let publish: @Sendable (Snapshot) -> Void
    private let indexFile: RowIndexFile?
    private let deepChecks: DeepCheckSchedule?

    public convenience init(configuration: Configuration, logger: Logger,
                            publish: @escaping @Sendable (Snapshot) -> Void) {
        let indexFile = configuration.stateFolder.map { RowIndexFile(folder: $0, logger: logger) }
        let deepChecks = configuration.deepChecks.map(DeepCheckSchedule.init(settings:))
        let poller = Poller(uri: configuration.uri, logger: logger, indexes: indexFile?.load() ?? RowIndexRegistry(),
                            deepChecks: deepChecks, statisticGroups: configuration.statisticGroups)
        self.init(configuration: configuration, source: poller, indexFile: indexFile, deepChecks: deepChecks,
                  logger: logger, publish: publish)
    }

    /// With any source of snapshots: tests drive the loop with polls of their own.
    init(configuration: Configuration, source: any PollSource, indexFile: RowIndexFile? = nil,
         deepChecks: DeepCheckSchedule? = nil, logger: Logger, publish: @escaping @Sendable (Snapshot) -> Void) {
        self.state = Mutex(State(configuration: configuration, source: source))
        self.indexFile = indexFile
        self.deepChecks = deepChecks
        self.logger = logger
        self.publish = publish
    }

    /// Starts polling: once at once, then every `pollInterval` and after every libvirt event.
    public func start() {
        if !LibvirtEventLoop.start() { logger.warning("libvirt's event loop did not start; changes show at the next poll") }
        let sink = ChangeSink { [weak self] reason in self?.requestRefresh(reason) }
        state.withLock { state in
            state.source.attach(sink)
            state.started = true
        }
        let thread = Thread { [self] in loop() }
        thread.name = "virt-agentx collector"
        thread.start()
    }

    /// Asks the collector to finish and waits for it, but not longer than `limit`:
    /// a libvirt call that never returns must not keep the process from exiting.
    public func stop(waitingAtMost limit: Duration) {
        let running = state.withLock { state in
            state.stopping = true
            return state.started && !state.stopped
        }
        wake.signal()
        if running { _ = done.wait(timeout: .now() + limit.dispatchInterval) }
    }

    /// New poll interval and deadline, from the next wait on (the deadline for the
    /// running poll too), and new deep-check settings from the next check on.
    public func update(pollInterval: Duration, pollDeadline: Duration, deepChecks settings: DeepCheckSchedule.Settings? = nil) {
        state.withLock { state in
            state.configuration.pollInterval = pollInterval
            state.configuration.pollDeadline = pollDeadline
            state.cycle.change(deadline: pollDeadline)
        }
        if let settings { deepChecks?.update(settings) }
        wake.signal()
    }

    /// Called on libvirt's event thread: schedule a refresh soon, never call libvirt here.
    func requestRefresh(_ reason: ChangeReason) {
        state.withLock { state in
            switch reason {
            case .connectionClosed: state.connectionClosed = true
            case .domain(let uuid?): state.changedDomains?.insert(uuid)
            case .domain(nil): state.changedDomains = nil
            case .pool(let uuid?): state.changedPools?.insert(uuid)
            case .pool(nil): state.changedPools = nil
            case .deepCheck: break
            }
            let due = ContinuousClock.now + Self.debounce
            if state.refreshDue.map({ due < $0 }) ?? true { state.refreshDue = due }
        }
        wake.signal()
    }

    /// The collector's thread: waits for each poll's turn, runs it, publishes what it gave.
    private func loop() {
        var lastPoll: ContinuousClock.Instant?
        var connected = true
        var retryAtOnce = false
        var lastPublished: Snapshot?
        var savedIndexes = indexFile == nil ? nil : state.withLock { Optional($0.source.rowIndexes) }
        var saveFailed = false
        while let work = waitForTurn(after: retryAtOnce ? nil : lastPoll, connected: connected) {
            let outcome = run(work)
            lastPoll = ContinuousClock.now
            switch outcome {
            case .stopping:
                break
            case .finished(var snapshot):
                stamp(&snapshot)
                publish(snapshot)
                lastPublished = snapshot
                saveIndexes(state.withLock { $0.source.rowIndexes }, saved: &savedIndexes, failed: &saveFailed)
                ResidentMemory.returnFreePages()
                logger.debug("poll published", metadata: ResidentMemory.metadata)
                connected = snapshot.host.connection.isAnswering
                retryAtOnce = false
            case .abandoned(let confirmed, let deadline):
                // Logged once per freeze: later overruns of the same freeze only at debug.
                let alreadyMarked = lastPublished?.host.connection == .unresponsive
                logger.log(level: alreadyMarked ? .debug : .error, confirmed
                    ? "libvirt has not answered for \(deadline) on a fresh connection either; serving the last data, marked unresponsive"
                    : "a libvirt call has not returned for \(deadline); it is abandoned and the poll runs again on a fresh connection",
                    metadata: ["uri": "\(lastPublished?.host.uri ?? "?")"])
                // Before any poll has finished (libvirtd frozen at start) there is no data,
                // but the status must still say why.
                let uri = state.withLock { $0.configuration.uri } ?? ""
                var last = lastPublished ?? .empty(uri: uri)
                if confirmed, last.host.connection != .unresponsive {
                    last.host.connection = .unresponsive
                    stamp(&last)
                    publish(last)
                    lastPublished = last
                }
                retryAtOnce = !confirmed
                connected = !confirmed
            }
        }
        state.withLock { state in
            state.source.close()
            state.stopped = true
        }
        done.signal()
    }

    /// A poll about to start: its generation and the poller it runs with.
    private struct Work {
        let generation: UInt64
        let source: any PollSource
        let changed: Set<String>?
        let changedPools: Set<String>?
        let deadline: Duration
    }

    private enum Outcome {
        case finished(Snapshot)
        case abandoned(confirmed: Bool, deadline: Duration)
        case stopping
    }

    private enum Step {
        case wait(until: ContinuousClock.Instant)
        case done(Outcome)
    }

    /// Runs one poll on a thread of its own and waits for it until its deadline.
    private func run(_ work: Work) -> Outcome {
        DetachedThread.start { [self] in
            var source = work.source
            // The watch outlives this poll in the poller it returns: it must capture the
            // generation alone, not `work`, whose poller (and its snapshot) it would keep,
            // each poll's poller keeping the one before, every snapshot ever taken.
            let generation = work.generation
            source.watch { [self] in state.withLock { $0.cycle.running?.generation != generation } }
            let snapshot = source.poll(changed: work.changed, changedPools: work.changedPools, deadline: work.deadline)
            let completion = state.withLock { state in
                let completion = state.cycle.finished(work.generation)
                if completion == .publish { state.finished = (work.generation, snapshot, source) }
                return completion
            }
            if completion == .discard { logger.notice("an abandoned libvirt call returned; its poll's data is discarded") }
            wake.signal()
        }
        while true {
            let step = state.withLock { state -> Step in
                if state.stopping { return .done(.stopping) }
                if let finished = state.finished, finished.generation == work.generation {
                    state.finished = nil
                    state.source = finished.source
                    return .done(.finished(finished.snapshot))
                }
                switch state.cycle.check(at: .now) {
                case .runningUntil(let deadline):
                    return .wait(until: deadline)
                case .abandoned(let confirmed):
                    // The poller as it was before this poll goes on, on a fresh connection.
                    state.source.dropConnection()
                    return .done(.abandoned(confirmed: confirmed, deadline: work.deadline))
                case .idle:
                    // Not reached: a poll's end and its hand-over happen under one lock.
                    return .wait(until: .now + .milliseconds(10))
                }
            }
            switch step {
            case .wait(let until): _ = wake.wait(timeout: .now() + max(.zero, until - .now).dispatchInterval)
            case .done(let outcome): return outcome
            }
        }
    }

    /// Sleeps until the next poll is due (the interval after the last one, or the
    /// reconnect delay while disconnected; an interval changed meanwhile counts), an
    /// event's refresh, or, while too many polls are abandoned, until one returns.
    /// nil when stopping.
    private func waitForTurn(after lastPoll: ContinuousClock.Instant?, connected: Bool) -> Work? {
        /// What the state says to do now.
        enum Turn {
            case stop, start(Work)
            /// Sleep until then, or (nil) until woken: too many polls are abandoned.
            case wait(until: ContinuousClock.Instant?)
        }
        while true {
            let turn = state.withLock { state -> Turn in
                if state.stopping { return .stop }
                let retry = Self.reconnectDelay(failures: state.source.consecutiveFailures)
                let interval = state.configuration.pollInterval
                let nextPoll = lastPoll.map { $0 + (connected ? interval : min(retry, interval)) } ?? .now
                let due = state.refreshDue.map { min($0, nextPoll) } ?? nextPoll
                guard state.cycle.canStart else { return .wait(until: nil) }
                guard ContinuousClock.now >= due else { return .wait(until: due) }
                state.refreshDue = nil
                if state.connectionClosed {
                    state.connectionClosed = false
                    state.source.dropConnection()
                    logger.warning("libvirt closed the connection; reconnecting")
                }
                let (changed, changedPools) = (state.changedDomains, state.changedPools)
                (state.changedDomains, state.changedPools) = ([], [])
                let deadline = state.configuration.pollDeadline
                let generation = state.cycle.start(at: .now, deadline: deadline)
                return .start(Work(generation: generation, source: state.source, changed: changed,
                                   changedPools: changedPools, deadline: deadline))
            }
            switch turn {
            case .stop: return nil
            case .start(let work): return work
            case .wait(let until?): _ = wake.wait(timeout: .now() + max(.zero, until - .now).dispatchInterval)
            case .wait(nil): wake.wait()
            }
        }
    }

    /// 1 s after the first failure, doubling (the poll interval caps it).
    static func reconnectDelay(failures: Int) -> Duration {
        .seconds(1 << max(0, min(failures, 16) - 1))
    }

    /// The abandoned calls, as the host scalars show them.
    private func stamp(_ snapshot: inout Snapshot) {
        let (now, total) = state.withLock { ($0.cycle.abandoned, $0.cycle.abandonedTotal) }
        snapshot.host.abandonedCalls = UInt32(clamping: now)
        snapshot.host.abandonedCallsTotal = UInt32(truncatingIfNeeded: total)
    }
}

extension Collector {
    /// Saves the row indexes when a poll assigned new ones; a folder that cannot
    /// be written costs persistence across restarts, never the agent.
    private func saveIndexes(_ indexes: RowIndexRegistry, saved: inout RowIndexRegistry?, failed: inout Bool) {
        guard let indexFile, indexes != saved else { return }
        do {
            try indexFile.save(indexes)
            saved = indexes
            failed = false
        } catch {
            if !failed {
                logger.warning("cannot save row indexes; they will not survive a restart",
                               metadata: ["file": "\(indexFile.url.path)", "error": "\(error)",
                                          "fix": "make the folder writable or choose another with --state-dir"])
            }
            failed = true
        }
    }
}


extension Collector {
    /// One poll, now: for commands that answer once (a local monitoring check)
    /// rather than serve. nil when libvirt has not answered within `deadline`: the
    /// poll is left to its thread (the process is about to exit), the caller is not.
    public static func snapshot(uri: String?, logger: Logger, deadline: Duration) -> Snapshot? {
        let result = Mutex<Snapshot?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var poller = Poller(uri: uri, logger: logger)
            let snapshot = poller.poll(deadline: deadline)
            poller.close()
            result.withLock { $0 = snapshot }
            done.signal()
        }
        thread.name = "virt-agentx one-shot poll"
        thread.start()
        guard done.wait(timeout: .now() + deadline.dispatchInterval) == .success else { return nil }
        return result.withLock { $0 }
    }
}
