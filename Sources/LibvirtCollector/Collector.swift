import CLibvirt
import Foundation
import Logging
import VirtModel

/// Polls libvirt on its own thread and hands each new snapshot to `publish`.
///
/// libvirt is only ever called from this thread, so a slow or stuck libvirt
/// delays the next snapshot, never an SNMP answer. Between polls it waits for
/// the interval, for a libvirt event (then it refreshes 100 ms later, so a burst
/// of events costs one poll), or, while libvirt is unreachable, for the next
/// reconnect attempt (1 s, 2 s, 4 s ... up to the poll interval).
public final class Collector: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// nil: libvirt's default URI.
        public var uri: String?
        public var pollInterval: Duration
        /// Where row indexes are kept across restarts; nil keeps them in memory only.
        public var stateFolder: URL?
        /// A poll still running after this long marks the served data unresponsive.
        public var pollDeadline: Duration

        public init(uri: String?, pollInterval: Duration, stateFolder: URL? = nil,
                    pollDeadline: Duration = .seconds(20)) {
            self.uri = uri
            self.pollInterval = pollInterval
            self.stateFolder = stateFolder
            self.pollDeadline = pollDeadline
        }
    }

    /// Events coalesced into one refresh within this window.
    static let debounce: Duration = .milliseconds(100)

    /// Poll interval and deadline may change (SIGHUP): read and written under `wakeup`.
    private var configuration: Configuration
    private let logger: Logger
    private let publish: @Sendable (Snapshot) -> Void
    // The collector thread's own state.
    private var poller: Poller
    private let indexFile: RowIndexFile?
    private var savedIndexes: RowIndexRegistry
    private var saveFailed = false
    private var thread: Thread?
    // Shared with other threads, guarded by `wakeup`.
    private let wakeup = NSCondition()
    private var stopping = false
    private var finished = false
    private var refreshDue: ContinuousClock.Instant?
    private var connectionClosed = false
    /// Domains whose definitions events reported changed since the last poll;
    /// nil when an event named no domain (then every definition is read again).
    private var changedDomains: Set<String>? = []
    private var pollStarted: ContinuousClock.Instant?
    private var lastPublished: Snapshot?
    private var markedUnresponsive = false

    public init(configuration: Configuration, logger: Logger,
                publish: @escaping @Sendable (Snapshot) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.publish = publish
        self.indexFile = configuration.stateFolder.map { RowIndexFile(folder: $0, logger: logger) }
        self.savedIndexes = indexFile?.load() ?? RowIndexRegistry()
        self.poller = Poller(uri: configuration.uri, logger: logger, indexes: savedIndexes)
    }

    /// Starts polling: once at once, then every `pollInterval` and after every libvirt event.
    public func start() {
        let eventsRunning = LibvirtEventLoop.start()
        if !eventsRunning { logger.warning("libvirt's event loop did not start; changes show at the next poll") }
        poller.sink = ChangeSink { [weak self] reason in self?.requestRefresh(reason) }
        let thread = Thread { [self] in loop() }
        thread.name = "virt-agentx collector"
        self.thread = thread
        thread.start()
        let watchdog = Thread { [self] in watch() }
        watchdog.name = "virt-agentx poll watchdog"
        watchdog.start()
    }

    /// Asks the thread to finish and waits for it, but not longer than `limit`:
    /// a libvirt call that never returns must not keep the process from exiting.
    public func stop(waitingAtMost limit: Duration) {
        let deadline = Date(timeIntervalSinceNow: limit.seconds)
        wakeup.lock()
        stopping = true
        wakeup.broadcast()
        while thread != nil && !finished && wakeup.wait(until: deadline) {}
        wakeup.unlock()
    }

    /// New poll interval and deadline, from the next wait on.
    public func update(pollInterval: Duration, pollDeadline: Duration) {
        wakeup.lock()
        configuration.pollInterval = pollInterval
        configuration.pollDeadline = pollDeadline
        wakeup.broadcast()
        wakeup.unlock()
    }


    /// Called on libvirt's event thread: schedule a refresh soon, never call libvirt here.
    func requestRefresh(_ reason: ChangeReason) {
        wakeup.lock()
        defer { wakeup.unlock() }
        switch reason {
        case .connectionClosed: connectionClosed = true
        case .domain(let uuid?): changedDomains?.insert(uuid)
        case .domain(nil): changedDomains = nil
        case .pool: break
        }
        let due = ContinuousClock.now + Self.debounce
        if refreshDue == nil || due < refreshDue! { refreshDue = due }
        wakeup.broadcast()
    }

    private func loop() {
        var lastPoll: ContinuousClock.Instant?
        var connected = true
        while let dropConnection = waitForTurn(after: lastPoll, connected: connected) {
            if dropConnection {
                logger.warning("libvirt closed the connection; reconnecting")
                poller.close()
            }
            setPollStarted(ContinuousClock.now)
            let snapshot = poller.poll(changed: takeChangedDomains())
            setPollStarted(nil, published: snapshot)
            publish(snapshot)
            saveIndexesIfChanged()
            logger.debug("poll published", metadata: ResidentMemory.metadata)
            lastPoll = ContinuousClock.now
            connected = snapshot.host.connection == .connected
        }
        poller.close()
        wakeup.lock()
        finished = true
        wakeup.broadcast()
        wakeup.unlock()
    }

    private func takeChangedDomains() -> Set<String>? {
        wakeup.lock()
        defer { wakeup.unlock() }
        let changed = changedDomains
        changedDomains = []
        return changed
    }

    /// Sleeps until the next poll is due (the interval after the last one, or the
    /// reconnect delay while disconnected; an interval changed meanwhile counts)
    /// or an event's refresh; nil when stopping, else whether to drop the connection first.
    private func waitForTurn(after lastPoll: ContinuousClock.Instant?, connected: Bool) -> Bool? {
        let retry = reconnectDelay
        wakeup.lock()
        defer { wakeup.unlock() }
        while !stopping {
            let nextPoll = lastPoll.map { $0 + (connected ? configuration.pollInterval : min(retry, configuration.pollInterval)) }
                ?? ContinuousClock.now
            let due = refreshDue.map { min($0, nextPoll) } ?? nextPoll
            let now = ContinuousClock.now
            if now >= due {
                refreshDue = nil
                defer { connectionClosed = false }
                return connectionClosed
            }
            _ = wakeup.wait(until: Date(timeIntervalSinceNow: (due - now).seconds))
        }
        return nil
    }

    /// 1 s after the first failure, doubling (the poll interval caps it).
    private var reconnectDelay: Duration {
        let failures = min(poller.consecutiveFailures, 16)
        return .seconds(1 << max(0, failures - 1))
    }

    private func setPollStarted(_ instant: ContinuousClock.Instant?, published: Snapshot? = nil) {
        wakeup.lock()
        pollStarted = instant
        if let published {
            lastPublished = published
            markedUnresponsive = false
        }
        wakeup.unlock()
    }

    /// Marks the served data unresponsive while a poll overruns its deadline, so
    /// a frozen libvirtd shows in virtHostConnectionStatus while SNMP keeps answering.
    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: 0.25)
            wakeup.lock()
            if finished || stopping {
                wakeup.unlock()
                return
            }
            var overdue: Snapshot?
            if let started = pollStarted, !markedUnresponsive,
               ContinuousClock.now - started > configuration.pollDeadline, var last = lastPublished {
                last.host.connection = .unresponsive
                overdue = last
                markedUnresponsive = true
            }
            wakeup.unlock()
            if let overdue {
                logger.error("libvirt has not answered for \(configuration.pollDeadline); serving the last data, marked unresponsive",
                             metadata: ["uri": "\(overdue.host.uri)"])
                publish(overdue)
            }
        }
    }
}

extension Collector {
    /// Saves the row indexes when a poll assigned new ones; a folder that cannot
    /// be written costs persistence across restarts, never the agent.
    private func saveIndexesIfChanged() {
        guard let indexFile, poller.indexes != savedIndexes else { return }
        do {
            try indexFile.save(poller.indexes)
            savedIndexes = poller.indexes
            saveFailed = false
        } catch {
            if !saveFailed {
                logger.warning("cannot save row indexes; they will not survive a restart",
                               metadata: ["file": "\(indexFile.url.path)", "error": "\(error)",
                                          "fix": "make the folder writable or choose another with --state-dir"])
            }
            saveFailed = true
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Collector {
    /// One poll, now, on the calling thread: for commands that answer once
    /// (a local monitoring check) rather than serve.
    public static func snapshot(uri: String?, logger: Logger) -> Snapshot {
        var poller = Poller(uri: uri, logger: logger)
        defer { poller.close() }
        return poller.poll()
    }
}
